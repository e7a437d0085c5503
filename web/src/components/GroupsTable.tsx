// The violation groups table: sortable headers (aria-sort), a trend sparkline per group, links to group pages.
// Every report-derived value is rendered as React text (attacker-controlled: never HTML).
import type { GroupDto } from "../../../server/contract.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { blockedLabel, fmtDateTime, fmtInt, fmtRelative } from "../lib/format.ts";
import { TRIAGE_TEXT } from "../lib/alerts-vocabulary.ts";
import { Sparkline } from "./Sparkline.tsx";
import { Swatch } from "./Swatch.tsx";
import { directiveColor } from "../lib/colors.ts";
import { Untrusted } from "./Untrusted.tsx";

export type SortKey = "count" | "lastSeen" | "firstSeen" | "directive" | "blocked";
export type SortOrder = "asc" | "desc";

type Column = { key: string; label: string; sort?: SortKey; className?: string };

/** Columns hidden at phone width (CSS), so directive, blocked, count and last seen stay in view. */
const OPTIONAL = new Set(["directive", "trend", "pages", "browsers", "firstSeen"]);
const cls = (key: string, base?: string) =>
  [base, OPTIONAL.has(key) ? "col-optional" : undefined].filter(Boolean).join(" ") || undefined;

const COLUMNS: Column[] = [
  { key: "directive", label: "Directive", sort: "directive" },
  { key: "blocked", label: "Blocked", sort: "blocked" },
  { key: "count", label: "Reports", sort: "count", className: "num" },
  { key: "trend", label: "Trend" },
  { key: "pages", label: "Pages" },
  { key: "browsers", label: "Browsers" },
  { key: "firstSeen", label: "First seen", sort: "firstSeen" },
  { key: "lastSeen", label: "Last seen", sort: "lastSeen" },
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
    <div className="table-wrap">
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
            return (
              <tr key={g.id}>
                <td className="col-optional">
                  <span className="directive">
                    <Swatch color={directiveColor(g.directive)} />
                    <Untrusted text={g.directive} />
                  </span>
                </td>
                <td className="blocked-cell">
                  <span className="directive phone-only">
                    <Swatch color={directiveColor(g.directive)} />
                    <Untrusted text={g.directive} />
                  </span>
                  <Link
                    to={`${pathFor("group", { id: projectId, gid: g.id })}${linkQuery}`}
                    className="blocked-link"
                  >
                    {g.blocked ? <Untrusted text={blockedLabel(g.blocked)} /> : "(empty)"}
                  </Link>
                  {g.triage && g.triage !== "open" ? (
                    <span className={`badge badge-triage-${g.triage}`}>{TRIAGE_TEXT[g.triage].label}</span>
                  ) : null}
                </td>
                {showNoise ? (
                  <td>
                    <span className="badge badge-noise">{g.noise ?? "—"}</span>
                  </td>
                ) : null}
                <td className="num">{fmtInt(g.count)}</td>
                <td className="col-optional">
                  {trend ? (
                    <Sparkline
                      values={trend}
                      width={96}
                      height={24}
                      label={`Trend of ${blockedLabel(g.blocked)}`}
                    />
                  ) : (
                    <span className="muted" aria-label="trend loading">
                      …
                    </span>
                  )}
                </td>
                <td className="list-cell col-optional">
                  {g.pages.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <>
                      <Untrusted className="truncate" text={g.pages[0]!} />
                      {g.pages.length > 1 ? (
                        <span className="muted"> +{fmtInt(g.pages.length - 1)} more</span>
                      ) : null}
                    </>
                  )}
                </td>
                <td className="list-cell browsers-cell col-optional">
                  {g.browsers.length ? g.browsers.join(", ") : <span className="muted">—</span>}
                </td>
                <td className="col-optional">
                  <time dateTime={g.firstSeen} title={fmtDateTime(g.firstSeen, true)}>
                    {fmtRelative(g.firstSeen, now)}
                  </time>
                </td>
                <td>
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
