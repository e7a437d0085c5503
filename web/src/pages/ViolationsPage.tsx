// Violations explorer: time range, stacked chart by directive, stats, filters, and the sortable, paged groups
// table. `mode="noise"` shows the groups classified as noise with their reasons. All state lives in the URL.
import { useMemo, useState } from "react";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useGroupTrends } from "../hooks/useGroupTrends.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { useSearchParams } from "../lib/router.tsx";
import { rangeFromParams, rangeToParams } from "../lib/range.ts";
import { bucketFor } from "../lib/stack.ts";
import { fmtDate, fmtDateTime, fmtInt } from "../lib/format.ts";
import type { ViolationQuery } from "../api/client.ts";
import type { PageCountingDto } from "../../../server/contract.ts";
import { Untrusted } from "../components/Untrusted.tsx";
import { TimeRangePicker } from "../components/TimeRangePicker.tsx";
import { StackedChart } from "../components/StackedChart.tsx";
import { GroupsTable, type SortKey, type SortOrder } from "../components/GroupsTable.tsx";
import { ViolationFilters, type FilterValues } from "../components/ViolationFilters.tsx";
import { Pagination } from "../components/Pagination.tsx";
import { Empty, ErrorState, Loading } from "../components/State.tsx";
import { StatsBar } from "../components/StatsBar.tsx";
import { FirstRun } from "../components/FirstRun.tsx";
import { Link, pathFor } from "../lib/router.tsx";
import { isTriageState } from "../lib/alerts-vocabulary.ts";

export const PAGE_SIZE = 25;
const SORTS: SortKey[] = ["count", "lastSeen", "firstSeen", "directive", "blocked"];

/** How the page filter counted: whole UTC days, and the groups only listed (no per-page counts). */
function PageCountingNote({ counting }: { counting: PageCountingDto }) {
  return (
    <p className="table-summary hint">
      Reports on pages containing <Untrusted className="mono" text={counting.page} />, counted per page over
      the UTC days {fmtDate(counting.since)} – {fmtDate(counting.until)}.
      {counting.listedOnly > 0
        ? ` ${fmtInt(counting.listedOnly)} ${counting.listedOnly === 1 ? "group lists" : "groups list"} the page but ${counting.listedOnly === 1 ? "has" : "have"} no per-page counts for it (marked “listed”).`
        : null}
    </p>
  );
}

export function ViolationsPage({ mode }: { mode: "groups" | "noise" }) {
  const api = useApi();
  const { project } = useProject();
  const [params, setParams] = useSearchParams();
  const [refresh, setRefresh] = useState(0);
  const search = params.toString();
  useTitle(mode === "noise" ? "Noise" : "Violations", project.name);

  const range = useMemo(() => rangeFromParams(params), [search, refresh]);
  const filters: FilterValues = {
    directive: params.get("directive") ?? "",
    disposition: params.get("disposition") ?? "",
    version: params.get("version") ?? "",
    env: params.get("env") ?? "",
    page: params.get("page") ?? "",
    text: params.get("text") ?? "",
    triage: params.get("triage") ?? "",
  };
  const sortParam = params.get("sort") as SortKey | null;
  const sort: SortKey = sortParam && SORTS.includes(sortParam) ? sortParam : "count";
  const order: SortOrder = params.get("order") === "asc" ? "asc" : "desc";
  const offset = Math.max(0, Number(params.get("offset")) || 0);

  const query: ViolationQuery = {
    since: range.since,
    until: range.until,
    noise: mode === "noise" ? "only" : "exclude",
    directive: filters.directive || undefined,
    disposition:
      filters.disposition === "enforce" || filters.disposition === "report" ? filters.disposition : undefined,
    version: filters.version || undefined,
    env: filters.env || undefined,
    page: filters.page || undefined,
    text: filters.text || undefined,
    triage: isTriageState(filters.triage) ? filters.triage : undefined,
  };
  const qKey = JSON.stringify(query);
  const list = useAsync(
    () => api.violations(project.id, { ...query, sort, order, limit: PAGE_SIZE, offset }),
    [project.id, qKey, sort, order, offset],
  );
  const series = useAsync(() => api.series(project.id, query), [project.id, qKey]);
  // The cards count what the table lists (same query), each saying what it counts (#16).
  const summary = useAsync(() => api.summary(project.id, query), [project.id, qKey]);
  const seen = useAsync(
    () => api.filterValues(project.id, { since: range.since, until: range.until }),
    [project.id, range.since, range.until],
  );
  // Whether the project has never received a report (noise included) since it was created: then the page
  // waits for the first one instead of showing "No violations match" (asked only when the list is empty).
  const empty = mode === "groups" && list.data?.groups.length === 0;
  const ever = useAsync(async () => {
    if (!empty) return null;
    const now = Date.now();
    const since = Math.max(Date.parse(project.createdAt) || 0, now - 399 * 86_400_000);
    return api.violations(project.id, { since, until: now, noise: "include", limit: 1 });
  }, [project.id, empty, refresh]);
  const neverReported = empty && ever.data?.totals.reports === 0;
  const trends = useGroupTrends(project.id, list.data?.groups, range.since, range.until);

  const rangeQuery = new URLSearchParams(
    Object.entries(rangeToParams(range)).filter((e): e is [string, string] => e[1] !== null),
  ).toString();
  const directivesSeen = Object.keys(list.data?.totals.byDirective ?? {});

  if (neverReported)
    return (
      <section aria-labelledby="violations-title">
        <div className="page-head">
          <h2 id="violations-title">Violations</h2>
          <div className="toolbar">
            <button type="button" className="btn" onClick={() => setRefresh((n) => n + 1)}>
              Check again
            </button>
          </div>
        </div>
        <FirstRun project={project} />
      </section>
    );

  return (
    <section aria-labelledby="violations-title">
      <div className="page-head">
        <h2 id="violations-title">{mode === "noise" ? "Noise" : "Violations"}</h2>
        <div className="toolbar">
          <TimeRangePicker range={range} onChange={(r) => setParams({ ...rangeToParams(r), offset: null })} />
          <button type="button" className="btn" onClick={() => setRefresh((n) => n + 1)}>
            Refresh
          </button>
        </div>
      </div>
      <p className="muted window-note">
        {fmtDateTime(range.since)} – {fmtDateTime(range.until)} (your time zone)
      </p>
      {mode === "noise" ? (
        <p className="hint">
          Reports Cinch classified as noise: browser extensions, injected scripts, browser-internal schemes
          and your ignore rules. They never reach the policy builder. Adjust ignore rules in{" "}
          <Link to={pathFor("settings", { id: project.id })}>Settings</Link>.
        </p>
      ) : null}

      {summary.data ? (
        <StatsBar summary={summary.data} />
      ) : summary.error ? (
        <ErrorState error={summary.error} retry={summary.reload} title="The totals could not load" />
      ) : (
        <Loading label="Loading totals…" />
      )}

      <div className="card">
        <h3 className="card-title">Reports per {bucketFor(range.since, range.until)} by directive</h3>
        {series.error ? (
          <ErrorState error={series.error} retry={series.reload} title="The chart could not load" />
        ) : !series.data ? (
          <Loading label="Loading chart…" />
        ) : series.data.points.length === 0 ? (
          <Empty title="No reports in this range." />
        ) : (
          <StackedChart
            points={series.data.points}
            since={range.since}
            until={range.until}
            onSelectDirective={(d) => setParams({ directive: d, offset: null })}
          />
        )}
      </div>

      <ViolationFilters
        values={filters}
        directives={directivesSeen}
        seen={seen.data}
        onChange={(u) => setParams({ ...u, offset: null })}
      />

      <div className="card card-flush">
        {list.error ? (
          <ErrorState error={list.error} retry={list.reload} title="The groups could not load" />
        ) : !list.data ? (
          <Loading label="Loading groups…" />
        ) : list.data.groups.length === 0 ? (
          <Empty title={mode === "noise" ? "No noise in this range." : "No violations match."}>
            {Object.values(filters).some(Boolean) ? (
              <p>Try clearing the filters or widening the time range.</p>
            ) : mode === "groups" ? (
              <p>
                Nothing reported in this range. Widen the time range, or watch the{" "}
                <Link to={pathFor("live", { id: project.id })}>live tail</Link>.
              </p>
            ) : null}
          </Empty>
        ) : (
          <>
            <p className="table-summary" aria-live="polite">
              {fmtInt(list.data.totals.groups)} {list.data.totals.groups === 1 ? "group" : "groups"},{" "}
              {fmtInt(list.data.totals.reports)} {list.data.totals.reports === 1 ? "report" : "reports"}
              {list.data.counting ? <span className="muted"> · {list.data.counting.label}</span> : null}
              {list.loading ? <span className="muted"> · updating…</span> : null}
            </p>
            {list.data.counting?.page ? <PageCountingNote counting={list.data.counting.page} /> : null}
            <GroupsTable
              projectId={project.id}
              groups={list.data.groups}
              sort={sort}
              order={order}
              onSort={(k, o) =>
                setParams({ sort: k === "count" ? null : k, order: o === "desc" ? null : o, offset: null })
              }
              trends={trends}
              showNoise={mode === "noise"}
              linkQuery={rangeQuery ? `?${rangeQuery}` : ""}
              caption={mode === "noise" ? "Noise groups" : "Violation groups"}
            />
            <Pagination
              offset={offset}
              limit={PAGE_SIZE}
              total={list.data.totals.groups}
              onChange={(o) => setParams({ offset: o ? String(o) : null })}
              label="Groups pages"
            />
          </>
        )}
      </div>
    </section>
  );
}
