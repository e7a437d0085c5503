// The dashboard dataset: N reports over 30 days and G groups, written through the storage layer's own tables.
// Reports are aggregated on write (one GroupHour row per group, hour and tag combination), so seeding inserts the
// rows that many reports produce — ViolationGroup, GroupHour, Sample ring, ProjectHour, and the writer's rollups
// DirectiveHour and GroupRunning — with prepared statements
// in one transaction, instead of pushing 10 million reports one by one through the writer (same rows, hours
// faster). Popularity follows a Zipf law (a few groups carry most reports, a long tail is seen rarely) and
// traffic a daily cycle; 10% of groups are noise (extensions). Policy version 1 for the first half, 2 after.
import { join } from "node:path";
import pg from "pg";
import { openDb } from "../server/store/db.ts";
import { copyDatabase } from "../server/store/db-copy.ts";
import { ProjectStore } from "../server/store/projects.ts";
import { TokenStore } from "../server/store/tokens.ts";
import { HOUR_MS } from "../server/store/writer.ts";
import { fingerprint } from "../server/reports/fingerprint.ts";
import { prng } from "./workload.ts";

export type SeedOptions = { reports: number; groups: number; days: number; seed?: number; now?: number };

export type Seeded = {
  file: string;
  projectId: string;
  /** For posting a report to the seeded project (the queries' "just after a new report" rows). */
  reportKey: string;
  token: string;
  reports: number;
  groups: number;
  rows: { groupHours: number; samples: number };
  /** Ids of the most reported group and of a rarely seen one, for the group page. */
  topGroupId: number;
  tailGroupId: number;
  seconds: number;
};

const DIRECTIVES = [
  "script-src-elem",
  "img-src",
  "connect-src",
  "style-src-elem",
  "font-src",
  "frame-src",
  "media-src",
];
const NOISE_SCHEMES = ["chrome-extension", "moz-extension", "safari-web-extension"];
const BROWSERS = ["Chrome 131", "Firefox 133", "Safari 18", "Edge 131"];

/** A Poisson draw: Knuth's product method for small means, a rounded normal for large ones. */
function poisson(rnd: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = rnd();
    while (p > limit) {
      k++;
      p *= rnd();
    }
    return k;
  }
  const u = Math.max(rnd(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
}

type GroupSpec = { id: number; directive: string; blocked: string; noise: string; weight: number };

function groupSpecs(n: number, rnd: () => number): GroupSpec[] {
  const specs: GroupSpec[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const noise = i % 10 === 9;
    const directive = DIRECTIVES[i % DIRECTIVES.length]!;
    // Every (directive, blocked) pair is distinct: one group each. Seven inline groups, one per directive.
    const blocked = noise
      ? `${NOISE_SCHEMES[i % NOISE_SCHEMES.length]!}://ext${i}`
      : i % 50 === 0 && i < 350
        ? "inline"
        : `https://${i % 3 === 0 ? "cdn" : "static"}${i}.vendor${i % 400}.example`;
    const weight = 1 / Math.pow(i + 1, 1.05);
    sum += weight;
    specs.push({ id: 0, directive, blocked, noise: noise ? "extension" : "", weight });
  }
  // Shuffle so popularity is unrelated to id order, then number them.
  for (let i = specs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [specs[i], specs[j]] = [specs[j]!, specs[i]!];
  }
  specs.forEach((s, i) => {
    s.id = i + 1;
    s.weight /= sum;
  });
  return specs;
}

/** Seed a fresh Cinch database in `dir` (as `cinch.db`, where a server with DATA_DIR=dir finds it). */
export async function seedDashboard(dir: string, o: SeedOptions): Promise<Seeded> {
  const t0 = performance.now();
  const file = join(dir, "cinch.db");
  const db = await openDb(file, { synchronous: "NORMAL" });
  const project = await new ProjectStore(db).create("dashboard at scale");
  const { token } = await new TokenStore(db).create("bench", "read");
  const raw = db.raw;
  raw.pragma("synchronous = OFF");
  raw.pragma("cache_size = -262144");
  const rnd = prng(o.seed ?? 11);
  const specs = groupSpecs(o.groups, rnd);
  const nowHour = Math.floor((o.now ?? Date.now()) / HOUR_MS);
  const hours = o.days * 24;
  const firstHour = nowHour - hours + 1;
  // A daily cycle: twice the traffic at the peak hour as at the trough.
  const cycle = Array.from(
    { length: hours },
    (_, h) => 1 + 0.5 * Math.sin((2 * Math.PI * ((firstHour + h) % 24)) / 24),
  );
  const cycleSum = cycle.reduce((a, b) => a + b, 0);
  const perGroup = specs.map(() => ({ count: 0, first: -1, last: -1 }));
  const insHour = raw.prepare(
    `INSERT INTO GroupHour (projectId, hour, groupId, disposition, policyVersion, env, count) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insCounter = raw.prepare(
    `INSERT INTO ProjectHour (projectId, hour, kind, count) VALUES (?, ?, ?, ?)`,
  );
  // The writer's rollups, filled as it would: per hour, directive and noise reason; running total per group-hour.
  const upsertDirectiveHour = raw.prepare(
    `INSERT INTO DirectiveHour (projectId, hour, directive, noise, count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (projectId, hour, directive, noise) DO UPDATE SET count = count + excluded.count`,
  );
  const insRunning = raw.prepare(`INSERT INTO GroupRunning (groupId, hour, total) VALUES (?, ?, ?)`);
  let total = 0;
  let groupHours = 0;
  raw.transaction(() => {
    for (let h = 0; h < hours; h++) {
      const hour = firstHour + h;
      const version = h < hours / 2 ? 1 : 2;
      const hourReports = (o.reports * cycle[h]!) / cycleSum;
      let accepted = 0;
      let noise = 0;
      const byDirective = new Map<string, { directive: string; noise: string; count: number }>();
      for (const s of specs) {
        const c = poisson(rnd, hourReports * s.weight);
        if (c === 0) continue;
        insHour.run(project.id, hour, s.id, "enforce", version, "", c);
        groupHours++;
        const g = perGroup[s.id - 1]!;
        g.count += c;
        insRunning.run(s.id, hour, g.count); // hours ascend: the group's running total so far
        const dk = `${s.directive}\n${s.noise}`;
        const dh = byDirective.get(dk);
        if (dh) dh.count += c;
        else byDirective.set(dk, { directive: s.directive, noise: s.noise, count: c });
        if (g.first < 0) g.first = hour;
        g.last = hour;
        if (s.noise) noise += c;
        else accepted += c;
      }
      for (const dh of byDirective.values()) {
        upsertDirectiveHour.run(project.id, hour, dh.directive, dh.noise, dh.count);
      }
      total += accepted + noise;
      if (accepted) insCounter.run(project.id, hour, "accepted", accepted);
      if (noise) insCounter.run(project.id, hour, "noise", noise);
    }
  })();
  const insGroup = raw.prepare(
    `INSERT INTO ViolationGroup (id, projectId, fingerprint, directive, blocked, noise, count, firstSeen, lastSeen,
       pages, browsers, sampleSeq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insSample = raw.prepare(
    `INSERT INTO Sample (groupId, slot, receivedAt, documentUrl, blockedUrl, sourceFile, line, "column", sample,
       statusCode, browser, disposition, policyVersion, env) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let samples = 0;
  let topGroupId = 1;
  let tailGroupId = 1;
  raw.transaction(() => {
    for (const s of specs) {
      const g = perGroup[s.id - 1]!;
      if (g.count === 0) {
        // Never reported in the window: seen once, long ago (it still exists, the builder still reads it).
        g.count = 1;
        g.first = g.last = firstHour - 24 * 30;
        insHour.run(project.id, g.first, s.id, "enforce", 1, "", 1);
        insRunning.run(s.id, g.first, 1);
        upsertDirectiveHour.run(project.id, g.first, s.directive, s.noise, 1);
        groupHours++;
        total++;
      }
      if (g.count > perGroup[topGroupId - 1]!.count) topGroupId = s.id;
      if (g.count >= 5 && g.count <= 20) tailGroupId = s.id;
      const pageCount = Math.min(50, 1 + Math.floor(Math.log2(g.count)));
      const pages = Array.from(
        { length: pageCount },
        (_, i) => `https://shop.example.com/${s.id % 13}/page-${i}`,
      );
      const browsers = BROWSERS.slice(0, Math.min(4, 1 + Math.floor(Math.log10(g.count))));
      const ring = Math.min(20, g.count);
      const blockedKey = s.blocked;
      insGroup.run(
        s.id,
        project.id,
        fingerprint({ directive: s.directive, blockedKey, noise: s.noise ? "extension" : null }),
        s.directive,
        s.blocked,
        s.noise,
        g.count,
        g.first * HOUR_MS,
        g.last * HOUR_MS + HOUR_MS - 1,
        JSON.stringify(pages),
        JSON.stringify(browsers),
        ring,
      );
      for (let slot = 0; slot < ring; slot++) {
        const at = g.last * HOUR_MS - slot * 60_000;
        const inline = s.blocked === "inline";
        insSample.run(
          s.id,
          slot,
          at,
          pages[slot % pages.length]!,
          inline
            ? "inline"
            : s.blocked.startsWith("http")
              ? `${s.blocked}/js/app.${slot}.js`
              : `${s.blocked}://x/y.js`,
          inline ? pages[0]! : "",
          inline ? 10 + slot : null,
          inline ? 5 : null,
          inline ? `window.track${s.id}=function(){/*${slot}*/}` : "",
          200,
          BROWSERS[slot % BROWSERS.length]!,
          "enforce",
          2,
          "",
        );
        samples++;
      }
    }
  })();
  raw.pragma("wal_checkpoint(TRUNCATE)");
  await db.close();
  return {
    file,
    projectId: project.id,
    reportKey: project.reportKey,
    token,
    reports: total,
    groups: o.groups,
    rows: { groupHours, samples },
    topGroupId,
    tailGroupId,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The same dataset on PostgreSQL: seeded on SQLite in `dir`, then moved with `cinch db copy` (every table, row by
 * row, in batches; ~5.6 million rows at 10 M reports), so both engines answer from identical rows; then vacuumed
 * and analyzed, as autovacuum does about a minute after such a load (here at +65 s): the timed queries then do
 * not run beside it, and the listing's index-only scans find the rows all-visible. An installation's newest hours
 * are not yet vacuumed (its writer updates them): reading them that way cost the 24 h listing 2-16% more.
 */
export async function seedDashboardPg(dir: string, url: string, o: SeedOptions): Promise<Seeded> {
  const t0 = performance.now();
  const seeded = await seedDashboard(dir, o);
  await copyDatabase(`file:${seeded.file}`, url);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query("VACUUM (ANALYZE)");
  } finally {
    await pool.end();
  }
  return { ...seeded, seconds: (performance.now() - t0) / 1000 };
}
