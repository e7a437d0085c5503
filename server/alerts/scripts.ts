// The script inventory's alert kinds (#18): `script-new` and `script-changed` fire on the tick for each change-log
// event of that kind in the project (server/store/scripts-write.ts records them in the ingest commit). Each event
// is its own quiet-period key, and only events younger than the rule's quiet period are read, so an event alerts
// once whatever the number of ticks or nodes (the quiet period's conditional write decides).
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { ProjectRecord, ProjectStore } from "../store/projects.ts";
import type { ScriptStore } from "../store/scripts.ts";
import type { RuleRecord } from "../store/alert-config.ts";
import type { AlertEngine } from "./engine.ts";

/** The alert kinds the inventory raises. */
export const SCRIPT_ALERT_KINDS = ["script-new", "script-changed"] as const;
export type ScriptAlertKind = (typeof SCRIPT_ALERT_KINDS)[number];

/** At most this many alerts per rule per tick (a first deploy can bring hundreds of new scripts at once). */
const MAX_PER_TICK = 50;

type EventRow = { id: number; scriptId: number; kind: string; at: bigint; detail: string };

/** The title, quiet key and details of one event's alert. */
export function scriptAlert(
  kind: ScriptAlertKind,
  e: { id: number; scriptId: number; at: number; detail: string },
  script: { url: string; origin: string; status: string },
  scriptUrl: string,
): { key: string; title: string; details: Record<string, unknown> } {
  return {
    key: `script-event:${e.id}`,
    title:
      kind === "script-new"
        ? `New script: ${script.url}`
        : `Script changed: ${script.url} has a hash not seen before`,
    details: {
      script: {
        id: e.scriptId,
        url: script.url,
        origin: script.origin,
        status: script.status,
        link: scriptUrl,
      },
      at: new Date(e.at).toISOString(),
      ...(kind === "script-changed" ? { hash: e.detail } : {}),
    },
  };
}

/** Recent events of the rule's kind, oldest first, with their scripts. */
export async function recentScriptEvents(
  prisma: PrismaClient,
  projectId: string,
  kind: ScriptAlertKind,
  since: number,
  limit: number,
): Promise<{ e: EventRow; script: { url: string; origin: string; status: string } }[]> {
  const events = await prisma.scriptEvent.findMany({
    where: { projectId, kind, at: { gte: BigInt(since) } },
    orderBy: { id: "asc" },
    take: limit,
  });
  if (events.length === 0) return [];
  const scripts = await prisma.script.findMany({
    where: { id: { in: [...new Set(events.map((e) => e.scriptId))] } },
    select: { id: true, url: true, origin: true, status: true },
  });
  const byId = new Map(scripts.map((s) => [s.id, s]));
  return events.flatMap((e) => {
    const s = byId.get(e.scriptId);
    return s ? [{ e, script: s }] : [];
  });
}

/** Fire a script-new / script-changed rule for the project's events within its quiet period. */
export async function scriptAlerts(
  engine: AlertEngine,
  prisma: PrismaClient,
  project: ProjectRecord,
  rule: RuleRecord & { kind: ScriptAlertKind },
  now: number,
  publicUrl: string,
): Promise<void> {
  const since = now - Math.max(rule.quietMinutes, 1) * 60_000;
  const recent = await recentScriptEvents(prisma, project.id, rule.kind, since, 5000);
  // Events this rule already alerted: skipped here, so a burst larger than a tick's share is reached on later ticks.
  const keys = recent.map(({ e }) => `script-event:${e.id}`);
  const done = new Set(
    (
      await prisma.alertFired.findMany({
        where: { ruleId: rule.id, key: { in: keys } },
        select: { key: true },
      })
    ).map((f) => f.key),
  );
  const due = recent.filter(({ e }) => !done.has(`script-event:${e.id}`)).slice(0, MAX_PER_TICK);
  for (const { e, script } of due) {
    const link = `${publicUrl}/projects/${encodeURIComponent(project.id)}/scripts/${e.scriptId}`;
    const a = scriptAlert(
      rule.kind,
      { id: e.id, scriptId: e.scriptId, at: Number(e.at), detail: e.detail },
      script,
      link,
    );
    await engine.fire({
      rule,
      project,
      key: a.key,
      groupId: null,
      count: 1,
      title: a.title,
      details: a.details,
    });
  }
}

const DAY_MS = 86_400_000;

/**
 * The inventory's script-gone check (#18), for every project: scripts not seen for its `scriptGoneDays` get a
 * script-gone event. Run from the alert tick at most hourly (AlertService); returns the scripts marked.
 */
export async function checkGoneScripts(
  store: Pick<ScriptStore, "markGone">,
  projects: Pick<ProjectStore, "list">,
  now: number,
): Promise<number> {
  let marked = 0;
  for (const p of await projects.list())
    marked += await store.markGone(p.id, now - p.settings.scriptGoneDays * DAY_MS, now);
  return marked;
}
