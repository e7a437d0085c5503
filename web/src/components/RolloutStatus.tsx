// A version's rollout status (GET /policy/rollout): report-only since when, reports and pages under it, groups new
// against the enforced version, hashes verified or failed, and the "ready to enforce" checklist.
import type { RolloutDto, VersionRolloutDto } from "../../../server/contract.ts";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { CodeBlock } from "./CodeBlock.tsx";
import { Sentence, Untrusted } from "./Untrusted.tsx";

/** "2 minutes", "3 hours", "2 days": the largest unit, rounded down (as the server's checklist words it). */
export function fmtDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${fmtInt(n)} ${name}${n === 1 ? "" : "s"}`;
  }
  return "less than a minute";
}

const count = (n: number, one: string, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

/** "ran report-only for 2 hours on 4 pages (30 reports)", or that it never ran report-only. */
export function ranSentence(s: VersionRolloutDto): string {
  if (s.reportOnlySince === null) return `Version ${s.version} has not run report-only.`;
  const running = s.state === "report-only";
  return `Version ${s.version} ${running ? "has run" : "ran"} report-only for ${fmtDuration(s.ranMs)} on ${count(s.pages, "page")} (${count(s.reports, "report")}).`;
}

/** One line for the versions table: where the version stands in its rollout. */
export function rolloutSummary(s: VersionRolloutDto): string {
  const missing = s.checklist.filter((c) => !c.ok).length;
  switch (s.state) {
    case "draft":
      return s.reportOnlySince === null ? "Not run report-only yet" : "Back to draft";
    case "report-only":
      return `Report-only for ${fmtDuration(s.ranMs)} · ${count(s.reports, "report")} · ${s.ready ? "ready to enforce" : `${count(missing, "check")} missing`}`;
    case "enforced":
      return s.reportOnlySince === null
        ? "Enforced without running report-only"
        : `Enforced after ${fmtDuration(s.ranMs)} report-only`;
    case "retired":
      return "Retired";
  }
}

/** The groups enforcing a version would break: reported under it, never under the enforced version. */
export function NewGroups({
  projectId,
  status,
  limit = 20,
}: {
  projectId: string;
  status: VersionRolloutDto;
  /** Groups named; the rest are counted under the table. */
  limit?: number;
}) {
  if (status.newGroups.length === 0) return null;
  const more = status.newGroups.length - limit;
  const label =
    status.comparedWith === null
      ? `Reported under v${status.version}`
      : `New under v${status.version} compared with enforced v${status.comparedWith}`;
  return (
    <table className="table table-compact">
      <caption>{label}</caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col" className="num">
            Reports under v{status.version}
          </th>
        </tr>
      </thead>
      <tbody>
        {status.newGroups.slice(0, limit).map((g) => (
          <tr key={String(g.id)}>
            <td>
              <Link to={pathFor("group", { id: projectId, gid: g.id })} className="mono break">
                <Untrusted text={g.directive} /> <Untrusted text={g.blocked} />
              </Link>
            </td>
            <td className="num">{fmtInt(g.count)}</td>
          </tr>
        ))}
      </tbody>
      {more > 0 ? (
        <tfoot>
          <tr>
            <td colSpan={2} className="muted">
              and {count(more, "more group")}
            </td>
          </tr>
        </tfoot>
      ) : null}
    </table>
  );
}

export function RolloutStatus({ projectId, status }: { projectId: string; status: VersionRolloutDto }) {
  const s = status;
  const { verified, failed, pending } = s.hashes;
  return (
    <div className="rollout" aria-label={`Rollout of version ${s.version}`} role="group">
      <dl className="rollout-facts">
        <dt>Report-only since</dt>
        <dd>
          {s.reportOnlySince === null
            ? "Never run report-only"
            : `${fmtDateTime(s.reportOnlySince)} (${fmtDuration(s.ranMs)}${s.state === "report-only" ? " so far" : ""})`}
        </dd>
        <dt>Under this version</dt>
        <dd>
          {count(s.reports, "report")} from {count(s.pages, "distinct page")}
        </dd>
        <dt>
          {s.comparedWith === null ? "Groups reported" : `New compared with enforced v${s.comparedWith}`}
        </dt>
        <dd>{count(s.newGroups.length, "group")}</dd>
        <dt>Hashes</dt>
        <dd>
          {verified.length + failed.length + pending.length === 0
            ? "None in this policy"
            : `${fmtInt(verified.length)} verified, ${fmtInt(failed.length)} failed, ${fmtInt(pending.length)} not verified yet`}
          {failed.length ? (
            <ul className="plain-list mono" aria-label="Failed hashes">
              {failed.map((h) => (
                <li key={h}>
                  <Untrusted text={h} />
                </li>
              ))}
            </ul>
          ) : null}
        </dd>
      </dl>
      <NewGroups projectId={projectId} status={s} />
      {s.state === "enforced" ? null : (
        // An enforced version is past the checklist: its facts above are the record of its rollout.
        <>
          <h4 className="rollout-title">{s.ready ? "Ready to enforce" : "Ready to enforce? Not yet"}</h4>
          <ul className="checklist" aria-label={`Ready to enforce checklist for version ${s.version}`}>
            {s.checklist.map((c) => (
              <li key={c.id} className={c.ok ? "check-ok" : "check-missing"}>
                <span aria-hidden="true">{c.ok ? "✓ " : "✗ "}</span>
                <span className="visually-hidden">{c.ok ? "Done: " : "Missing: "}</span>
                <Sentence text={c.text} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/**
 * Reports arriving without ?v=N while versions are deployed: a page serves a policy copied without the tag (an old
 * export, a hand-edited header). Version compare, hash checks and the version filter cannot see those reports.
 */
export function UntaggedWarning({ projectId, rollout }: { projectId: string; rollout: RolloutDto }) {
  const u = rollout.untagged;
  if (!u) return null;
  return (
    <div className="notice" role="alert">
      <p>
        <strong>
          {count(u.reports, "report")} arrived without a version tag since {fmtDateTime(u.since)}
        </strong>
        , while versions are deployed: some page serves a policy copied without <code>?v=N</code> on its
        report URL, so version compare, hash verification and the version filter miss{" "}
        {u.reports === 1 ? "it" : "them"}.
      </p>
      <p>
        Fix: deploy the exported header, whose report URL carries <code>?v=N</code> (from{" "}
        <Link to={pathFor("export", { id: projectId })}>Export</Link> or below), in place of the copy the page
        serves now.
      </p>
      {rollout.deploy ? (
        <CodeBlock id="untagged-fix" label="Headers to deploy" text={rollout.deploy} />
      ) : null}
    </div>
  );
}
