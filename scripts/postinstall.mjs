// postinstall: in a development checkout, generate the Prisma client (server/generated/prisma) from the schema.
// An installed package (npm pack, `npm install -g`) ships the client compiled in dist/ and has no prisma CLI:
// nothing to do there.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url);
const checkout = existsSync(new URL("server/store/db.ts", root));
const cli = new URL("node_modules/prisma/build/index.js", root);
if (checkout && existsSync(cli)) {
  const r = spawnSync(process.execPath, [cli.pathname, "generate"], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}
