// A Cinch server (`server/main.ts`) in its own process, for tests that kill it or stop it with a signal.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

/** Start the server with `env` over this process's; resolves with its URL once it logs that it listens. */
export function startServerProcess(
  env: Record<string, string>,
): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", join(root, "server/main.ts")], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] });
      }
    });
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    proc.on("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}
