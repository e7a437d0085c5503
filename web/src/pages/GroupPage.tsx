// One violation group: its hourly series, breakdowns and every stored sample, all as text (reports are
// attacker-controlled). The URL is a permalink: /projects/:id/groups/:gid?range=…
import { useMemo, useState } from "react";
import type { BreakdownDto, GroupDetailDto, SampleDto } from "../../../server/contract.ts";
import { ApiError } from "../api/client.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { Link, pathFor, useSearchParams } from "../lib/router.tsx";
import { rangeFromParams, rangeToParams } from "../lib/range.ts";
import { bucketFor } from "../lib/stack.ts";
import { fmtDateTime, fmtInt, fmtRelative } from "../lib/format.ts";
import { Async, Empty } from "../components/State.tsx";
import { StackedChart } from "../components/StackedChart.tsx";
import { TimeRangePicker } from "../components/TimeRangePicker.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { showBidiControls, Untrusted } from "../components/Untrusted.tsx";
import { pagePath } from "../lib/compact.ts";
import { noiseText } from "../lib/noise-vocabulary.ts";
import { GroupTriage } from "../components/GroupTriage.tsx";

function Breakdown({
  title,
  counts,
  label,
}: {
  title: string;
  counts: Record<string, number>;
  label: (k: string) => string;
}) {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return (
    <div className="breakdown">
      <h4>{title}</h4>
      {rows.length === 0 ? (
        <p className="muted">None in this range.</p>
      ) : (
        <table className="table table-compact">
          <caption className="visually-hidden">{title}</caption>
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">
                  <Untrusted text={label(k)} />
                </th>
                <td className="num">{fmtInt(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
};

const pct = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

/** A group's reports by page or browser in the window: top values with counts and shares, then "other". */
export function TopValues({
  title,
  noun,
  b,
  mono = false,
}: {
  title: string;
  noun: string;
  b: BreakdownDto;
  mono?: boolean;
}) {
  const unlisted = b.listed.filter((v) => !b.rows.some((r) => r.value === v));
  const oneOrigin = new Set(b.rows.map((r) => originOf(r.value))).size === 1;
  return (
    <section className="card" aria-label={title}>
      <h3 className="card-title">{title}</h3>
      {b.rows.length === 0 && b.other.count === 0 ? (
        <p className="muted">No {noun} counts in this range.</p>
      ) : (
        <table className="table table-compact top-values">
          <caption className="visually-hidden">
            {title}: reports and share of {fmtInt(b.counted)} counted
          </caption>
          <thead>
            <tr>
              <th scope="col">{noun === "page" ? "Page" : "Browser"}</th>
              <th scope="col" className="num">
                Reports
              </th>
              <th scope="col" className="num">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {b.rows.map((r) => (
              <tr key={r.value}>
                <th scope="row" className={mono ? "mono" : undefined}>
                  {noun === "page" && r.value ? (
                    // The path when every page is on one origin; the whole URL otherwise. Either way truncated
                    // at the end (never broken mid-word), the full URL on hover and focus.
                    <span className="truncate expand-on-focus" tabIndex={0} title={showBidiControls(r.value)}>
                      <Untrusted text={oneOrigin ? pagePath(r.value) : r.value} />
                    </span>
                  ) : (
                    <Untrusted text={r.value || "(none)"} />
                  )}
                </th>
                <td className="num">{fmtInt(r.count)}</td>
                <td className="num">
                  <span className="share">
                    <meter min={0} max={1} value={r.share} aria-hidden="true" />
                    {pct.format(r.share)}
                  </span>
                </td>
              </tr>
            ))}
            {b.other.count > 0 ? (
              <tr>
                <th scope="row">
                  <span className="muted">Other {noun}s</span>
                </th>
                <td className="num">{fmtInt(b.other.count)}</td>
                <td className="num">{pct.format(b.other.share)}</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      )}
      {b.uncounted > 0 ? (
        <p className="hint">
          {fmtInt(b.uncounted)} {b.uncounted === 1 ? "report" : "reports"} in this range came before Cinch
          counted by {noun}.
        </p>
      ) : null}
      {unlisted.length > 0 ? (
        <details className="listed-values">
          <summary>
            {fmtInt(unlisted.length)} more {unlisted.length === 1 ? noun : `${noun}s`} seen, without counts
          </summary>
          <ul className={mono ? "plain-list mono" : "plain-list"}>
            {unlisted.map((v) => (
              <li key={v}>
                <Untrusted text={v} />
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function ListedValues({ title, values, mono = false }: { title: string; values: string[]; mono?: boolean }) {
  return (
    <div className="card">
      <h3 className="card-title">
        {title} ({fmtInt(values.length)})
      </h3>
      {values.length ? (
        <ul className={mono ? "plain-list mono" : "plain-list"}>
          {values.map((p) => (
            <li key={p}>
              <Untrusted text={p} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None recorded.</p>
      )}
    </div>
  );
}

const FIELD_LABELS: [keyof SampleDto, string][] = [
  ["receivedAt", "Received"],
  ["documentUrl", "Document URL"],
  ["blockedUrl", "Blocked URL"],
  ["sourceFile", "Source file"],
  ["line", "Line"],
  ["column", "Column"],
  ["sample", "Sample"],
  ["statusCode", "Status code"],
  ["browser", "Browser"],
  ["disposition", "Disposition"],
  ["policyVersion", "Policy version"],
  ["env", "Environment"],
];

function fieldText(s: SampleDto, k: keyof SampleDto): string {
  const v = s[k];
  if (v === null || v === "") return "—";
  if (k === "receivedAt") return fmtDateTime(String(v), true);
  return String(v);
}

export function SampleCard({ sample, index }: { sample: SampleDto; index: number }) {
  return (
    <article className="sample" aria-label={`Sample ${index + 1}`}>
      <dl className="sample-fields">
        {FIELD_LABELS.map(([k, label]) => (
          <div
            key={k}
            className={k === "sample" || k.endsWith("Url") || k === "sourceFile" ? "wide" : undefined}
          >
            <dt>{label}</dt>
            <dd className={k === "sample" ? "mono pre" : "mono"}>
              <Untrusted text={fieldText(sample, k)} />
            </dd>
          </div>
        ))}
      </dl>
    </article>
  );
}

const FIRST_SAMPLES = 5;

function GroupView({ d, since, until }: { d: GroupDetailDto; since: number; until: number }) {
  const g = d.group;
  const [allSamples, setAllSamples] = useState(false);
  const shown = allSamples ? d.samples : d.samples.slice(0, FIRST_SAMPLES);
  const points = useMemo(
    () => d.series.map((s) => ({ ...s, directive: g.directive })),
    [d.series, g.directive],
  );
  return (
    <>
      <dl className="stats-bar">
        <div className="stat">
          <dt>Reports in range</dt>
          <dd>{fmtInt(g.count)}</dd>
        </div>
        <div className="stat">
          <dt>All time</dt>
          <dd>{fmtInt(g.total)}</dd>
        </div>
        <div className="stat">
          <dt>First seen</dt>
          <dd>
            <time dateTime={g.firstSeen}>{fmtDateTime(g.firstSeen)}</time>
            <span className="stat-detail">{fmtRelative(g.firstSeen)}</span>
          </dd>
        </div>
        <div className="stat">
          <dt>Last seen</dt>
          <dd>
            <time dateTime={g.lastSeen}>{fmtDateTime(g.lastSeen)}</time>
            <span className="stat-detail">{fmtRelative(g.lastSeen)}</span>
          </dd>
        </div>
      </dl>
      {g.noise ? (
        <p className="notice">
          Classified as noise: <strong>{noiseText(g.noise).label}</strong> ({noiseText(g.noise).description}{" "}
          <span className="mono">{g.noise}</span>). Noise never reaches the policy builder.
        </p>
      ) : null}
      <div className="card">
        <h3 className="card-title">Reports per {bucketFor(since, until)}</h3>
        {points.length === 0 ? (
          <Empty title="No reports in this range." />
        ) : (
          <StackedChart points={points} since={since} until={until} />
        )}
      </div>
      <div className="grid-3">
        <Breakdown
          title="By policy version"
          counts={d.byVersion}
          label={(k) => (k === "0" ? "untagged" : `v${k}`)}
        />
        <Breakdown title="By disposition" counts={d.byDisposition} label={(k) => k} />
        <Breakdown title="By environment" counts={d.byEnv} label={(k) => k || "(none)"} />
      </div>
      <div className="grid-2">
        {d.pageBreakdown ? (
          <TopValues title="Top pages" noun="page" b={d.pageBreakdown} mono />
        ) : (
          <ListedValues title="Pages" values={g.pages} mono />
        )}
        {d.browserBreakdown ? (
          <TopValues title="Top browsers" noun="browser" b={d.browserBreakdown} />
        ) : (
          <ListedValues title="Browsers" values={g.browsers} />
        )}
      </div>
      <section className="card" aria-labelledby="samples-title">
        <h3 className="card-title" id="samples-title">
          Samples ({fmtInt(d.samples.length)})
        </h3>
        <p className="hint">
          Shown exactly as received. Report fields are written by browsers and can be forged.
        </p>
        {d.samples.length === 0 ? (
          <Empty title="No samples stored." />
        ) : (
          <>
            {shown.map((s, i) => (
              <SampleCard key={`${s.receivedAt}-${i}`} sample={s} index={i} />
            ))}
            {d.samples.length > FIRST_SAMPLES ? (
              <button
                type="button"
                className="btn"
                aria-expanded={allSamples}
                onClick={() => setAllSamples((a) => !a)}
              >
                {allSamples
                  ? `Show the first ${FIRST_SAMPLES} only`
                  : `Show all ${fmtInt(d.samples.length)} samples`}
              </button>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}

export function GroupPage({ groupId }: { groupId: string }) {
  const api = useApi();
  const { project } = useProject();
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const range = useMemo(() => rangeFromParams(params), [search]);
  const detail = useAsync(
    () => api.group(project.id, groupId, { since: range.since, until: range.until }),
    [project.id, groupId, range.since, range.until],
  );
  const g = detail.data?.group;
  useTitle(g ? `${g.directive} ${g.blocked}` : "Group", project.name);
  const back = `${pathFor(g?.noise ? "noise" : "violations", { id: project.id })}${search ? `?${search}` : ""}`;

  return (
    <section aria-labelledby="group-title">
      <p className="breadcrumb">
        <Link to={back}>← {g?.noise ? "Noise" : "Violations"}</Link>
      </p>
      <div className="page-head">
        <h2 id="group-title" className="group-title">
          {g ? (
            <>
              <Untrusted className="directive" text={g.directive} />{" "}
              <Untrusted className="mono break" text={g.blocked || "(empty)"} />
            </>
          ) : (
            "Violation group"
          )}
        </h2>
        <div className="toolbar">
          <TimeRangePicker range={range} onChange={(r) => setParams(rangeToParams(r))} />
          <CopyButton
            text={typeof window === "undefined" ? "" : window.location.href}
            label="Copy permalink"
          />
        </div>
      </div>
      {detail.error instanceof ApiError && detail.error.status === 404 ? (
        <div className="state state-empty" role="alert">
          <p className="state-title">This group no longer exists</p>
          <p className="state-body">
            It may have been deleted with its reports, or moved by an ignore rule.{" "}
            <Link to={back}>Back to {g?.noise ? "Noise" : "Violations"}</Link>
          </p>
        </div>
      ) : (
        <>
          <GroupTriage groupId={groupId} />
          <Async state={detail} loadingLabel="Loading group…">
            {(d) => <GroupView d={d} since={range.since} until={range.until} />}
          </Async>
        </>
      )}
    </section>
  );
}
