// The daily or weekly digest's text (#14): new groups, enforcement breakage, the top groups with their trend against
// the period before, noise volume and the current grade. Plain text; the channels wrap it (format.ts).
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { ProjectRecord } from "../store/projects.ts";
import { evaluatePolicy } from "../policy/grade.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const trendOf = (now: number, before: number): string =>
  before === 0 ? "new" : `${now >= before ? "+" : ""}${Math.round(((now - before) / before) * 100)}%`;

/** The digest of the period ending at `now`. */
export async function digestText(
  prisma: PrismaClient,
  project: ProjectRecord,
  period: "daily" | "weekly",
  now: number,
): Promise<string> {
  const span = period === "weekly" ? 7 * DAY_MS : DAY_MS;
  const since = now - span;
  const hNow = Math.floor(now / HOUR_MS);
  const hSince = Math.floor(since / HOUR_MS);
  const hBefore = Math.floor((since - span) / HOUR_MS);
  const fresh = await prisma.violationGroup.findMany({
    where: { projectId: project.id, noise: "", firstSeen: { gte: BigInt(since) } },
    orderBy: { count: "desc" },
    take: 10,
  });
  const freshCount = await prisma.violationGroup.count({
    where: { projectId: project.id, noise: "", firstSeen: { gte: BigInt(since) } },
  });
  const sums = async (from: number, to: number, disposition?: string) =>
    prisma.groupHour.groupBy({
      by: ["groupId"],
      where: { projectId: project.id, hour: { gte: from, lte: to }, ...(disposition ? { disposition } : {}) },
      _sum: { count: true },
    });
  const current = await sums(hSince, hNow);
  const previous = new Map((await sums(hBefore, hSince - 1)).map((r) => [r.groupId, r._sum.count ?? 0]));
  const enforced = await sums(hSince, hNow, "enforce");
  const ids = [...new Set([...current.map((r) => r.groupId), ...enforced.map((r) => r.groupId)])];
  const groups = new Map(
    (
      await prisma.violationGroup.findMany({
        where: { id: { in: ids }, noise: "" },
        select: { id: true, directive: true, blocked: true },
      })
    ).map((g) => [g.id, g]),
  );
  const top = current
    .filter((r) => groups.has(r.groupId))
    .sort((a, b) => (b._sum.count ?? 0) - (a._sum.count ?? 0))
    .slice(0, 5);
  const breakage = enforced.filter((r) => groups.has(r.groupId) && (r._sum.count ?? 0) > 0);
  const noise = await prisma.projectHour.aggregate({
    where: { projectId: project.id, kind: "noise", hour: { gte: hSince, lte: hNow } },
    _sum: { count: true },
  });
  const live =
    (await prisma.policyVersion.findFirst({
      where: { projectId: project.id, state: "enforced" },
      orderBy: { version: "desc" },
    })) ??
    (await prisma.policyVersion.findFirst({
      where: { projectId: project.id, state: "report-only" },
      orderBy: { version: "desc" },
    }));
  const name = (id: number) => {
    const g = groups.get(id);
    return g ? `${g.directive} ${g.blocked}` : `group ${id}`;
  };
  const lines: string[] = [
    `${period === "weekly" ? "Weekly" : "Daily"} digest for ${project.name}, ${new Date(since).toISOString().slice(0, 16)}Z to ${new Date(now).toISOString().slice(0, 16)}Z`,
    "",
    `New groups: ${freshCount}`,
    ...fresh.map((g) => `  ${g.directive} ${g.blocked} (${Number(g.count)} reports)`),
    `Blocked in production (enforce reports): ${breakage.length} groups`,
    ...breakage.slice(0, 10).map((r) => `  ${name(r.groupId)}: ${r._sum.count ?? 0}`),
    "Top groups:",
    ...top.map((r) => {
      const n = r._sum.count ?? 0;
      return `  ${name(r.groupId)}: ${n} (${trendOf(n, previous.get(r.groupId) ?? 0)})`;
    }),
    `Noise: ${noise._sum.count ?? 0} reports`,
    live
      ? `Grade: ${evaluatePolicy(live.policy).grade} (version ${live.version}, ${live.state})`
      : "Grade: no version is deployed",
  ];
  return lines.join("\n");
}
