// One violation group: its hourly series, breakdowns and every stored sample, all as text (reports are
// attacker-controlled). The URL is a permalink: /projects/:id/groups/:gid?range=…
import { useMemo, useState } from "react";
import type { GroupDetailDto, SampleDto } from "../../../server/contract.ts";
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
import { Untrusted } from "../components/Untrusted.tsx";
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
          Classified as noise: <strong>{g.noise}</strong>. Noise never reaches the policy builder.
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
        <div className="card">
          <h3 className="card-title">Pages ({fmtInt(g.pages.length)})</h3>
          {g.pages.length ? (
            <ul className="plain-list mono">
              {g.pages.map((p) => (
                <li key={p}>
                  <Untrusted text={p} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No pages recorded.</p>
          )}
        </div>
        <div className="card">
          <h3 className="card-title">Browsers</h3>
          {g.browsers.length ? (
            <ul className="plain-list">
              {g.browsers.map((b) => (
                <li key={b}>
                  <Untrusted text={b} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No browsers recorded.</p>
          )}
        </div>
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
      <GroupTriage groupId={groupId} />
      <Async state={detail} loadingLabel="Loading group…">
        {(d) => <GroupView d={d} since={range.since} until={range.until} />}
      </Async>
    </section>
  );
}
