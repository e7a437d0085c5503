// postinstall: in a development checkout, generate the Prisma clients from the schemas: SQLite's
// (server/generated/prisma) and PostgreSQL's (server/generated/prisma-pg, from prisma/postgres/schema.prisma).
// An installed package (npm pack, `npm install -g`) ships the client compiled in dist/ and has no prisma CLI:
// nothing to do there.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url);
const checkout = existsSync(new URL("server/store/db.ts", root));
const cli = new URL("node_modules/prisma/build/index.js", root);
if (checkout && existsSync(cli)) {
  for (const schema of ["prisma/schema.prisma", "prisma/postgres/schema.prisma"]) {
    const r = spawnSync(process.execPath, [cli.pathname, "generate", "--schema", schema], {
      cwd: root,
      stdio: "inherit",
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
