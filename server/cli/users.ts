// CLI: admin accounts on the local database. Passwords are read from standard input (a hidden prompt on a
// terminal, else the first line), never from arguments, which other users can see in the process list.
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import type { Command } from "commander";
import { UserStore } from "../store/users.ts";
import { emailSchema, normalizeEmail } from "../accounts/email.ts";
import { passwordProblem } from "../accounts/passwords.ts";
import { CliError, out, readInput } from "./io.ts";
import { withDb } from "./admin.ts";

/** Ask on the terminal without echoing what is typed. */
function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

/** The new password: prompted twice on a terminal, else the first line of standard input. */
export async function readNewPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden("Password: ");
    const again = await promptHidden("Repeat password: ");
    if (first !== again) throw new CliError("the passwords do not match");
    return first;
  }
  const text = await readInput(undefined);
  return text.split(/\r?\n/)[0] ?? "";
}

function checkedEmail(raw: string): string {
  const parsed = emailSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`not an email address: ${JSON.stringify(raw)}`);
  return normalizeEmail(parsed.data);
}

/** The checked email argument and a new password from stdin that passes the password policy. */
async function emailAndNewPassword(raw: string): Promise<{ email: string; password: string }> {
  const email = checkedEmail(raw);
  const password = await readNewPassword();
  const problem = passwordProblem(password, email);
  if (problem) throw new CliError(problem);
  return { email, password };
}

/** Register `cinch user add|list|remove|password|signout`. */
export function registerUserCommands(program: Command): void {
  const user = program.command("user").description("manage admin accounts (passwords are read from stdin)");
  user
    .command("add <email>")
    .description("create an admin; the password is read from stdin (prompted, hidden, on a terminal)")
    .action(async (raw: string) => {
      const { email, password } = await emailAndNewPassword(raw);
      await withDb(async (db) => {
        const users = new UserStore(db.prisma);
        if (await users.byEmail(email)) throw new CliError(`an admin with email ${email} already exists`);
        await users.create(email, password);
        out(`created admin ${email}`);
      });
    });
  user
    .command("list")
    .description("list admins")
    .action(async () => {
      await withDb(async (db) => {
        for (const u of await new UserStore(db.prisma).list())
          out(`${u.email}\tcreated ${u.createdAt.toISOString()}`);
      });
    });
  user
    .command("password <email>")
    .description("set a new password (read from stdin) and end all of the admin's sessions")
    .action(async (raw: string) => {
      const { email, password } = await emailAndNewPassword(raw);
      await withDb(async (db) => {
        const users = new UserStore(db.prisma);
        const u = await users.byEmail(email);
        if (!u) throw new CliError(`no admin with email ${email}`);
        await users.setPassword(u.id, password);
        out(`password changed for ${email}; all of its sessions ended`);
      });
    });
  user
    .command("signout <email>")
    .description("end every session of an admin (sign out everywhere)")
    .action(async (raw: string) => {
      const email = checkedEmail(raw);
      await withDb(async (db) => {
        const users = new UserStore(db.prisma);
        const u = await users.byEmail(email);
        if (!u) throw new CliError(`no admin with email ${email}`);
        out(`ended ${await users.signOutEverywhere(u.id)} session(s) of ${email}`);
      });
    });
  user
    .command("remove <email>")
    .description("delete an admin and its sessions")
    .action(async (raw: string) => {
      const email = checkedEmail(raw);
      await withDb(async (db) => {
        const users = new UserStore(db.prisma);
        if (!(await users.remove(email))) throw new CliError(`no admin with email ${email}`);
        const left = await users.count();
        out(
          `removed admin ${email}${left === 0 ? " (no admins left: the next start prints a setup URL)" : ""}`,
        );
      });
    });
}
