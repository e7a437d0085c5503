// Presenters: domain records → DTOs, field by field (never raw rows).
import type { GroupDto, ProjectDto, SampleDto } from "../contract.ts";
import type { ProjectRecord } from "../store/projects.ts";
import type { GroupRow, SampleRow } from "../store/violations.ts";
import { installFor } from "../projects/install.ts";
import { starterPolicy } from "../policy/starter.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

export function presentProject(p: ProjectRecord, publicUrl: string): ProjectDto {
  const install = installFor(
    publicUrl,
    p.reportKey,
    (uri, reportToGroup) => starterPolicy({ reportUri: uri, reportToGroup }),
    { reportHashes: p.settings.reportScriptHashes },
  );
  return {
    id: p.id,
    name: p.name,
    reportKey: p.reportKey,
    reportUri: install.reportUri,
    reportingEndpoints: install.reportingEndpoints,
    reportOnlyPolicy: install.reportOnlyPolicy,
    install,
    settings: p.settings,
    builtin: p.builtin,
    createdAt: p.createdAt.toISOString(),
  };
}

export function presentGroup(g: GroupRow): GroupDto {
  return {
    id: g.id,
    directive: g.directive,
    blocked: g.blocked,
    count: g.count,
    total: g.total,
    firstSeen: iso(g.firstSeen),
    lastSeen: iso(g.lastSeen),
    noise: g.noise,
    pages: g.pages,
    browsers: g.browsers,
    ...(g.trend ? { trend: g.trend } : {}),
    ...(g.pageMatch ? { pageMatch: g.pageMatch } : {}),
  };
}

export function presentSample(s: SampleRow): SampleDto {
  return { ...s, receivedAt: iso(s.receivedAt) };
}
