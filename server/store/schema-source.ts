// One schema source for both engines: prisma/schema.prisma (SQLite) is the source; the PostgreSQL schema is
// derived from it (the datasource provider is static per schema file in Prisma 6.19). A test keeps the committed
// copy equal; regenerate with `npx tsx server/store/schema-source.ts`.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SQLITE_SCHEMA = fileURLToPath(new URL("../../prisma/schema.prisma", import.meta.url));
export const POSTGRES_SCHEMA = fileURLToPath(new URL("../../prisma/postgres/schema.prisma", import.meta.url));

const HEADER =
  "// GENERATED from prisma/schema.prisma by server/store/schema-source.ts: edit that file, then regenerate.\n";

/** The PostgreSQL schema for a SQLite schema text: same models, provider postgresql, its own client output. */
export function postgresSchema(sqlite: string): string {
  const out = sqlite
    .replace(/provider = "sqlite"/, 'provider = "postgresql"')
    .replace(/url {6}= "file:\.\/placeholder\.db"/, 'url      = "postgresql://localhost/placeholder"')
    .replace(
      /output {5}= "\.\.\/server\/generated\/prisma"/,
      'output     = "../../server/generated/prisma-pg"',
    );
  for (const needle of ['"postgresql"', 'placeholder"', "prisma-pg"]) {
    if (!out.includes(needle)) throw new Error(`prisma/schema.prisma: expected line for ${needle} not found`);
  }
  return HEADER + out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(POSTGRES_SCHEMA, postgresSchema(readFileSync(SQLITE_SCHEMA, "utf8")));
}
