// Impact preview: what enforcing the candidate would block, replayed over the stored violation groups.
import type { PreviewDto } from "../../../server/contract.ts";
import { fmtInt } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { ErrorState, Loading } from "./State.tsx";
import { Untrusted } from "./Untrusted.tsx";

export function impactSentence(p: PreviewDto): string {
  const g = p.blocked.groups;
  const r = p.blocked.reports;
  return `Enforcing this would block ${fmtInt(g)} ${g === 1 ? "group" : "groups"} / ${fmtInt(r)} ${r === 1 ? "report" : "reports"}.`;
}

export function ImpactCard({
  projectId,
  preview,
  error,
  retry,
}: {
  projectId: string;
  preview: PreviewDto | undefined;
  error: Error | null;
  retry: () => void;
}) {
  return (
    <section className="card" aria-labelledby="impact-title">
      <h3 className="card-title" id="impact-title">
        Impact if enforced
      </h3>
      {error ? (
        <ErrorState error={error} retry={retry} title="The preview could not load" />
      ) : !preview ? (
        <Loading label="Replaying reports…" />
      ) : (
        <>
          <p aria-live="polite">
            <span className="impact-number">{impactSentence(preview)}</span>
          </p>
          <p className="muted">
            Out of {fmtInt(preview.total.groups)} groups / {fmtInt(preview.total.reports)} reports stored.
            {preview.conditional.groups
              ? ` ${fmtInt(preview.conditional.groups)} more depend on a nonce or hash the reports cannot prove.`
              : ""}
          </p>
          {preview.blockedGroups.length ? (
            <ul className="plain-list" aria-label="Groups that would be blocked">
              {preview.blockedGroups.slice(0, 10).map((g) => (
                <li key={String(g.id)}>
                  <Link to={pathFor("group", { id: projectId, gid: g.id })} className="mono break">
                    <Untrusted text={g.directive} /> <Untrusted text={g.blocked} />
                  </Link>{" "}
                  <span className="muted">{fmtInt(g.count)}</span>
                </li>
              ))}
            </ul>
          ) : null}
          {preview.blocked.groups > 10 ? (
            <p className="muted">and {fmtInt(preview.blocked.groups - 10)} more</p>
          ) : null}
        </>
      )}
    </section>
  );
}
