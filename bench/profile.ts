// Summarize a V8 .cpuprofile (from `node --cpu-prof`): the frames with the most self time, and the files that
// own the most time. `node --import tsx bench/profile.ts <file.cpuprofile> [top]` prints them as a table.
import { readFileSync } from "node:fs";

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

export type Frame = { name: string; where: string; selfMs: number; selfPct: number };

const short = (url: string): string => {
  const u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) return u.slice(nm + "node_modules/".length);
  const m = /\/(server|bench|test)\/.*/.exec(u);
  return m ? m[0].slice(1) : u || "(native)";
};

/** Self time per frame, largest first. */
export function topFrames(
  profile: CpuProfile,
  top = 15,
  fromSec = 0,
): { totalMs: number; busyMs: number; frames: Frame[]; byPackage: Frame[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // Samples from `fromSec` on: the server's start (module loading, migrations) is not what a run measures.
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= fromSec * 1e6) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const frames = new Map<string, Frame>();
  const packages = new Map<string, Frame>();
  let total = 0;
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    if (n.callFrame.functionName !== "(idle)") busy += us;
    const cf = n.callFrame;
    const where = cf.url ? `${short(cf.url)}:${cf.lineNumber + 1}` : "(native)";
    const name = cf.functionName || "(anonymous)";
    const key = `${name} ${where}`;
    const f = frames.get(key) ?? { name, where, selfMs: 0, selfPct: 0 };
    f.selfMs += us / 1000;
    frames.set(key, f);
    const pkg = packageOf(cf.url, name);
    const p = packages.get(pkg) ?? { name: pkg, where: "", selfMs: 0, selfPct: 0 };
    p.selfMs += us / 1000;
    packages.set(pkg, p);
  }
  const finish = (xs: Iterable<Frame>) =>
    [...xs]
      .map((f) => ({
        ...f,
        selfMs: Math.round(f.selfMs),
        // Of the busy time: how idle the server was depends on the machine's other load, not on the code.
        selfPct: f.name === "(idle)" ? 0 : Math.round((f.selfMs / (busy / 1000)) * 1000) / 10,
      }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    frames: finish(frames.values()),
    byPackage: finish(packages.values()),
  };
}

/** The npm package or project folder a frame belongs to; V8's own pseudo-frames keep their names. */
function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const u = url.replace(/^file:\/\//, "");
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) return nm[1]!;
  if (u.startsWith("node:")) return "node internals";
  const m = /\/(server\/[^/]+|bench|test)\//.exec(u);
  return m ? m[1]! : u;
}

/** Inclusive time (self + callees) of the frames whose name or location contains `match`, counted once per sample. */
export function inclusiveMs(profile: CpuProfile, match: string): number {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hit = new Map<number, boolean>();
  const matches = (id: number): boolean => {
    const cached = hit.get(id);
    if (cached !== undefined) return cached;
    const cf = byId.get(id)?.callFrame;
    const self = cf ? `${cf.functionName} ${cf.url}`.includes(match) : false;
    const p = parent.get(id);
    const r = self || (p !== undefined && matches(p));
    hit.set(id, r);
    return r;
  };
  let us = 0;
  profile.samples.forEach((id, i) => {
    if (matches(id)) us += profile.timeDeltas[i] ?? 0;
  });
  return Math.round(us / 1000);
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}

const entry = process.argv[1] ?? "";
if (entry.endsWith("bench/profile.ts")) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write(
      "usage: node --import tsx bench/profile.ts <file.cpuprofile> [top] [from seconds]\n",
    );
    process.exit(2);
  }
  const { totalMs, busyMs, frames, byPackage } = topFrames(
    readProfile(file),
    Number(process.argv[3] ?? 20),
    Number(process.argv[4] ?? 0),
  );
  process.stdout.write(
    `total ${totalMs} ms sampled, ${busyMs} ms busy (self % is of busy time)\n\nself ms   self %  frame\n`,
  );
  for (const f of frames)
    process.stdout.write(
      `${String(f.selfMs).padStart(7)}  ${String(f.selfPct).padStart(6)}  ${f.name} ${f.where}\n`,
    );
  process.stdout.write(`\nself ms   self %  package or folder\n`);
  for (const f of byPackage)
    process.stdout.write(`${String(f.selfMs).padStart(7)}  ${String(f.selfPct).padStart(6)}  ${f.name}\n`);
  const wanted = process.argv.slice(4);
  if (wanted.length > 0) {
    process.stdout.write(`\ninclusive ms  frames matching\n`);
    const profile = readProfile(file);
    for (const w of wanted) process.stdout.write(`${String(inclusiveMs(profile, w)).padStart(12)}  ${w}\n`);
  }
}
