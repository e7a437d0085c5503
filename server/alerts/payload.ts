// An alert's payload (#14): the webhook body without delivery headers, read from the group, its newest sample and
// its triage at the time the alert is raised. The event id is filled in by the dispatcher at send time.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { AlertWebhookPayload } from "../contract/alerts.ts";
import type { TriageStore } from "../store/triage.ts";
import type { Firing } from "./engine.ts";

/** The payload of an alert raised at `at`. */
export async function buildPayload(
  deps: { prisma: PrismaClient; triage: TriageStore; publicUrl: string },
  f: Firing,
  at: number,
): Promise<AlertWebhookPayload> {
  const projectUrl = `${deps.publicUrl}/projects/${encodeURIComponent(f.project.id)}`;
  let group: AlertWebhookPayload["group"] = null;
  let sample: AlertWebhookPayload["sample"] = null;
  if (f.groupId !== null) {
    const g = await deps.prisma.violationGroup.findUnique({ where: { id: f.groupId } });
    if (g) {
      const t = await deps.triage.get(g.id);
      group = {
        id: g.id,
        directive: g.directive,
        blocked: g.blocked,
        count: f.count,
        total: Number(g.count),
        firstSeen: new Date(Number(g.firstSeen)).toISOString(),
        lastSeen: new Date(Number(g.lastSeen)).toISOString(),
        url: `${projectUrl}/violations/${g.id}`,
        triage: t.state,
      };
      const s = await deps.prisma.sample.findFirst({
        where: { groupId: g.id },
        orderBy: { receivedAt: "desc" },
      });
      if (s) {
        sample = {
          documentUrl: s.documentUrl,
          blockedUrl: s.blockedUrl,
          sourceFile: s.sourceFile,
          sample: s.sample,
          disposition: s.disposition,
          browser: s.browser,
          receivedAt: new Date(Number(s.receivedAt)).toISOString(),
        };
      }
    }
  }
  return {
    event: f.rule.kind,
    id: "",
    createdAt: new Date(at).toISOString(),
    title: f.title,
    project: { id: f.project.id, name: f.project.name, url: projectUrl },
    group,
    sample,
    rule: {
      id: f.rule.id,
      kind: f.rule.kind,
      minCount: f.rule.minCount,
      quietMinutes: f.rule.quietMinutes,
      params: f.rule.params,
    },
    details: f.details,
  };
}
