// The violation groups table: sortable headers (aria-sort), a trend sparkline per group, links to group pages.
// Every report-derived value is rendered as React text (attacker-controlled: never HTML).
import type { GroupDto } from "../../../server/contract.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { blockedLabel, fmtDateTime, fmtInt, fmtRelative } from "../lib/format.ts";
import { TRIAGE_TEXT } from "../lib/alerts-vocabulary.ts";
import { Sparkline } from "./Sparkline.tsx";
import { Swatch } from "./Swatch.tsx";
import { showBidiControls, Untrusted } from "./Untrusted.tsx";
import { compactBrowsers, pagePath } from "../lib/compact.ts";
import { noiseText } from "../lib/noise-vocabulary.ts";
import { Tip } from "./Tip.tsx";

export type SortKey = "count" | "lastSeen" | "firstSeen" | "directive" | "blocked";
export type SortOrder = "asc" | "desc";

type Column = { key: string; label: string; sort?: SortKey; className?: string };

/**
 * The order in which columns give way as the table's container narrows (a container query in styles.css; the
 * widths there are measured at 1280 × 900 with the sidebar: the table gets 998 px). Lower drops later:
 * first seen (p5) < 1060 px, trend (p4) < 900 px, browsers (p3) < 760 px, pages (p2) < 600 px, and the directive
 * column (p1) < 480 px, where the directive moves above the blocked value. Blocked, reports and last seen stay.
 */
const PRIORITY: ReadonlyMap<string, string> = new Map([
  ["directive", "col-p1"],
  ["pages", "col-p2"],
  ["browsers", "col-p3"],
  ["trend", "col-p4"],
  ["firstSeen", "col-p5"],
]);
const cls = (key: string, base?: string) => [base, PRIORITY.get(key)].filter(Boolean).join(" ") || undefined;

const COLUMNS: Column[] = [
  { key: "directive", label: "Directive", sort: "directive" },
  { key: "blocked", label: "Blocked", sort: "blocked" },
  { key: "count", label: "Reports", sort: "count", className: "num" },
  { key: "trend", label: "Trend" },
  { key: "pages", label: "Pages" },
  { key: "browsers", label: "Browsers" },
  { key: "firstSeen", label: "First seen", sort: "firstSeen", className: "col-time" },
  { key: "lastSeen", label: "Last seen", sort: "lastSeen", className: "col-time" },
];

/** Default direction when a column is first sorted: newest / most first, names A→Z. */
export const defaultOrder = (key: SortKey): SortOrder =>
  key === "directive" || key === "blocked" ? "asc" : "desc";

export function GroupsTable({
  projectId,
  groups,
  sort,
  order,
  onSort,
  trends,
  showNoise = false,
  linkQuery = "",
  caption,
  now = Date.now(),
}: {
  projectId: string;
  groups: GroupDto[];
  sort: SortKey;
  order: SortOrder;
  onSort: (key: SortKey, order: SortOrder) => void;
  trends?: ReadonlyMap<number, number[]>;
  showNoise?: boolean;
  /** Query string (with "?") carried to group links, e.g. the time range. */
  linkQuery?: string;
  caption: string;
  now?: number;
}) {
  const columns = showNoise
    ? [...COLUMNS.slice(0, 2), { key: "noise", label: "Noise reason" }, ...COLUMNS.slice(2)]
    : COLUMNS;
  return (
    <div className="table-wrap groups-wrap">
      <table className="table groups-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = c.sort !== undefined && c.sort === sort;
              return (
                <th
                  key={c.key}
                  scope="col"
                  className={cls(c.key, c.className)}
                  aria-sort={active ? (order === "asc" ? "ascending" : "descending") : undefined}
                >
                  {c.sort ? (
                    <button
                      type="button"
                      className="sort-button"
                      onClick={() => {
                        const key = c.sort!;
                        onSort(key, active ? (order === "asc" ? "desc" : "asc") : defaultOrder(key));
                      }}
                    >
                      {c.label}
                      <span className="sort-indicator" aria-hidden="true">
                        {active ? (order === "asc" ? "▲" : "▼") : "↕"}
                      </span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => {
            const trend = trends?.get(g.id);
            const browsers = compactBrowsers(g.browsers);
            return (
              <tr key={g.id}>
                <td className={cls("directive")}>
                  <span className="directive">
                    <Swatch directive={g.directive} />
                    <Untrusted text={g.directive} />
                  </span>
                </td>
                <td className="blocked-cell">
                  <span className="directive directive-inline">
                    <Swatch directive={g.directive} />
                    <Untrusted text={g.directive} />
                  </span>
                  <Link
                    to={`${pathFor("group", { id: projectId, gid: g.id })}${linkQuery}`}
                    className="blocked-link truncate"
                    title={showBidiControls(blockedLabel(g.blocked))}
                  >
                    {g.blocked ? <Untrusted text={blockedLabel(g.blocked)} /> : "(empty)"}
                  </Link>
                  {g.triage && g.triage !== "open" ? (
                    <span className={`badge badge-triage-${g.triage}`}>{TRIAGE_TEXT[g.triage].label}</span>
                  ) : null}
                </td>
                {showNoise ? (
                  <td>
                    {g.noise ? (
                      <Tip text={`${noiseText(g.noise).description} (${g.noise})`}>
                        <span className="badge badge-noise">{noiseText(g.noise).label}</span>
                      </Tip>
                    ) : (
                      "—"
                    )}
                  </td>
                ) : null}
                <td className="num">
                  {g.pageMatch === "listed" ? (
                    <span
                      className="muted"
                      title="The page is in this group's stored page list, but its reports were not counted per page"
                    >
                      listed
                    </span>
                  ) : (
                    fmtInt(g.count)
                  )}
                </td>
                <td className={cls("trend")}>
                  {trend ? (
                    <Sparkline
                      values={trend}
                      width={80}
                      height={22}
                      label={`Trend of ${blockedLabel(g.blocked)}`}
                    />
                  ) : (
                    <span className="muted" aria-label="trend loading">
                      …
                    </span>
                  )}
                </td>
                <td className={cls("pages", "list-cell")}>
                  {g.pages.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <span className="cell-line">
                      <span
                        className="truncate expand-on-focus"
                        tabIndex={0}
                        title={showBidiControls(g.pages[0]!)}
                      >
                        <Untrusted text={pagePath(g.pages[0]!)} />
                        <span className="visually-hidden">
                          {" "}
                          (<Untrusted text={g.pages[0]!} />)
                        </span>
                      </span>
                      {g.pages.length > 1 ? (
                        <span className="muted nowrap">
                          {" "}
                          +{fmtInt(g.pages.length - 1)}
                          <span className="visually-hidden">
                            {g.pages.length === 2 ? " more page" : " more pages"}
                          </span>
                        </span>
                      ) : null}
                    </span>
                  )}
                </td>
                <td
                  className={cls("browsers", "list-cell browsers-cell")}
                  title={showBidiControls(g.browsers.join(", "))}
                >
                  {g.browsers.length ? (
                    <>
                      <span aria-hidden="true">
                        <Untrusted text={browsers.shown.join(", ")} />
                        {browsers.more ? <span className="muted"> +{browsers.more}</span> : null}
                      </span>
                      <span className="visually-hidden">
                        <Untrusted text={g.browsers.join(", ")} />
                      </span>
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className={cls("firstSeen", "col-time")}>
                  <time dateTime={g.firstSeen} title={fmtDateTime(g.firstSeen, true)}>
                    {fmtRelative(g.firstSeen, now)}
                  </time>
                </td>
                <td className="col-time">
                  <time dateTime={g.lastSeen} title={fmtDateTime(g.lastSeen, true)}>
                    {fmtRelative(g.lastSeen, now)}
                  </time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
