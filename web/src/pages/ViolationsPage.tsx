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
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import type { ViolationQuery } from "../api/client.ts";
import { TimeRangePicker } from "../components/TimeRangePicker.tsx";
import { StackedChart } from "../components/StackedChart.tsx";
import { GroupsTable, type SortKey, type SortOrder } from "../components/GroupsTable.tsx";
import { ViolationFilters, type FilterValues } from "../components/ViolationFilters.tsx";
import { Pagination } from "../components/Pagination.tsx";
import { Empty, ErrorState, Loading } from "../components/State.tsx";
import { StatsBar } from "../components/StatsBar.tsx";
import { Link, pathFor } from "../lib/router.tsx";
import { isTriageState } from "../lib/alerts-vocabulary.ts";

export const PAGE_SIZE = 25;
const SORTS: SortKey[] = ["count", "lastSeen", "firstSeen", "directive", "blocked"];

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
  const stats = useAsync(
    () => api.stats(project.id, { since: range.since, until: range.until }),
    [project.id, range.since, range.until],
  );
  const trends = useGroupTrends(project.id, list.data?.groups, range.since, range.until);

  const rangeQuery = new URLSearchParams(
    Object.entries(rangeToParams(range)).filter((e): e is [string, string] => e[1] !== null),
  ).toString();
  const directivesSeen = Object.keys(list.data?.totals.byDirective ?? {});

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

      {stats.data ? (
        <StatsBar stats={stats.data} />
      ) : stats.error ? null : (
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
                Nothing reported yet in this range. Check the{" "}
                <Link to={pathFor("install", { id: project.id })}>install instructions</Link> or watch the{" "}
                <Link to={pathFor("live", { id: project.id })}>live tail</Link>.
              </p>
            ) : null}
          </Empty>
        ) : (
          <>
            <p className="table-summary" aria-live="polite">
              {fmtInt(list.data.totals.groups)} {list.data.totals.groups === 1 ? "group" : "groups"},{" "}
              {fmtInt(list.data.totals.reports)} {list.data.totals.reports === 1 ? "report" : "reports"}
              {list.loading ? <span className="muted"> · updating…</span> : null}
            </p>
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
