// The assessor's export of the script inventory (#18), for the API and `cinch scripts export`: the scripts seen in
// a period with their reviews, and the period's change log, as JSON (ScriptExportDto) or one CSV table.
import type { ScriptEventDto, ScriptExportDto } from "../contract/scripts.ts";
import type { ProjectRecord } from "../store/projects.ts";
import type { ScriptRecord, ScriptStore } from "../store/scripts.ts";
import { hashable, onPaymentPage, realHashes, sri, statusOf } from "../scripts/inventory.ts";
import { toCsv } from "../scripts/export.ts";
import { presentEvent, presentReview, presentScript } from "./present-scripts.ts";

const DAY_MS = 86_400_000;

/** The default period: the 90 days before `until`. */
export const DEFAULT_EXPORT_DAYS = 90;

export type ExportFile = { contentType: string; filename: string; body: string };

/** The export of a project's inventory for [since, until) (defaults: the last 90 days up to now). */
export async function scriptExport(
  store: Pick<ScriptStore, "list" | "events">,
  p: ProjectRecord,
  format: "csv" | "json",
  since?: number,
  until?: number,
  now = Date.now(),
): Promise<ExportFile> {
  const end = until ?? now;
  const start = since ?? end - DEFAULT_EXPORT_DAYS * DAY_MS;
  const pay = p.settings.paymentPages;
  // Scripts seen in the period; the period's change log (reviews included), oldest first for reading.
  const inPeriod = (await store.list(p.id)).filter((s) => s.lastSeen >= start && s.firstSeen < end);
  const events = (await store.events(p.id, { since: start, until: end, limit: 100_000 }))
    .reverse()
    .map(presentEvent);
  const stem = `cinch-scripts-${p.id}-${new Date(end).toISOString().slice(0, 10)}`;
  if (format === "csv")
    return {
      contentType: "text/csv; charset=utf-8",
      filename: `${stem}.csv`,
      body: exportCsv(inPeriod, events, pay),
    };
  const dto: ScriptExportDto = {
    project: { id: p.id, name: p.name },
    generatedAt: new Date(now).toISOString(),
    period: { since: new Date(start).toISOString(), until: new Date(end).toISOString() },
    scripts: inPeriod.map((s) => ({ ...presentScript(s, pay), review: presentReview(s) })),
    events,
  };
  return {
    contentType: "application/json; charset=utf-8",
    filename: `${stem}.json`,
    body: JSON.stringify(dto, null, 2),
  };
}

const CSV_HEADER = [
  "record",
  "scriptId",
  "url",
  "origin",
  "status",
  "firstSeen",
  "lastSeen",
  "hashes",
  "hashable",
  "sri",
  "paymentPage",
  "pages",
  "justification",
  "reviewedBy",
  "reviewedAt",
  "eventKind",
  "eventAt",
  "eventDetail",
  "eventActor",
] as const;

/** One table for a spreadsheet: a `script` row per script, then an `event` row per change-log entry. */
function exportCsv(
  list: readonly ScriptRecord[],
  events: readonly ScriptEventDto[],
  pay: readonly string[],
): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const rows = list.map((s) => {
    const r = presentReview(s);
    return [
      "script",
      s.id,
      s.url,
      s.origin,
      statusOf(s),
      iso(s.firstSeen),
      iso(s.lastSeen),
      realHashes(s)
        .map((h) => h.hash)
        .join(" "),
      hashable(s),
      sri(s),
      onPaymentPage(s, pay),
      s.pages.map((p) => p.url).join(" "),
      r?.justification ?? "",
      r?.by ?? "",
      r?.at ?? "",
      "",
      "",
      "",
      "",
    ];
  });
  for (const e of events)
    rows.push([
      "event",
      e.scriptId,
      e.url,
      "",
      "",
      "",
      "",
      "",
      null,
      null,
      null,
      "",
      "",
      "",
      "",
      e.kind,
      e.at,
      e.detail,
      e.actor ?? "",
    ]);
  return toCsv(CSV_HEADER, rows);
}
