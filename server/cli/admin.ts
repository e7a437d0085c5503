// CLI: administration on the local database — projects and API tokens.
import type { Command } from "commander";
import { loadConfig, ConfigError, type Config } from "../config.ts";
import { openDatabase, type Db } from "../store/db.ts";
import { ProjectStore } from "../store/projects.ts";
import { TokenStore, isScope, SCOPES } from "../store/tokens.ts";
import { presentProject } from "../api/present.ts";
import { CliError, out } from "./io.ts";
import { projectNameSchema } from "../projects/name.ts";

/** Open the configured database for one command (a bad configuration exits 2), and close it afterwards. */
export async function withConfigDb<T>(fn: (db: Db, config: Config) => Promise<T>): Promise<T> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
  const db = await openDatabase(config);
  try {
    return await fn(db, config);
  } finally {
    await db.close();
  }
}

/** withConfigDb for the commands that need only the public URL. */
export function withDb<T>(fn: (db: Db, publicUrl: string) => Promise<T>): Promise<T> {
  return withConfigDb((db, config) => fn(db, config.publicUrl));
}

/** Register project and token commands. */
export function registerAdminCommands(program: Command): void {
  const project = program.command("project").description("manage projects");
  project
    .command("create")
    .description("create a project and print its install values as JSON")
    .requiredOption("--name <name>", "project name")
    .action(async (opts: { name: string }) => {
      const parsed = projectNameSchema.safeParse(opts.name);
      if (!parsed.success) throw new CliError("--name must be 1-100 characters");
      const name = parsed.data;
      await withDb(async (db, publicUrl) => {
        const p = await new ProjectStore(db).create(name);
        out(JSON.stringify(presentProject(p, publicUrl), null, 2));
      });
    });
  project
    .command("list")
    .description("list projects")
    .action(async () => {
      await withDb(async (db) => {
        for (const p of await new ProjectStore(db).list()) out(`${p.id}\t${p.name}\t${p.reportKey}`);
      });
    });

  const token = program.command("token").description("manage API tokens");
  token
    .command("create")
    .description("create an API token and print it (shown once; stored hashed)")
    .requiredOption("--name <name>", "a name to recognise the token by")
    .option("--scope <scope>", `one of ${SCOPES.join(", ")}`, "admin")
    .action(async (opts: { name: string; scope: string }) => {
      if (!isScope(opts.scope))
        throw new CliError(`--scope must be one of ${SCOPES.join(", ")} (got ${opts.scope})`);
      const scope = opts.scope;
      await withDb(async (db) => {
        const { token } = await new TokenStore(db).create(opts.name, scope);
        out(token);
      });
    });
  token
    .command("list")
    .description("list active tokens (names, scopes, last use; never the tokens)")
    .action(async () => {
      await withDb(async (db) => {
        for (const t of await new TokenStore(db).list()) {
          out(`${t.id}\t${t.name}\t${t.scope}\tlast used ${t.lastUsedAt?.toISOString() ?? "never"}`);
        }
      });
    });
  token
    .command("revoke <idOrName>")
    .description("revoke a token by id or name")
    .action(async (idOrName: string) => {
      await withDb(async (db) => {
        const n = await new TokenStore(db).revoke(idOrName);
        if (n === 0) throw new CliError(`no active token with id or name ${idOrName}`);
        out(`revoked ${n} token(s)`);
      });
    });
}
