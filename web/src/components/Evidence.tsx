// The reports behind a suggestion: counts, pages and samples (as text), folded in a <details>.
import type { EvidenceDto } from "../../../server/contract.ts";
import { fmtDateTime, fmtInt, fmtRelative } from "../lib/format.ts";
import { Untrusted } from "./Untrusted.tsx";

export function evidenceSummary(e: EvidenceDto): string {
  const parts = [
    `${fmtInt(e.count)} ${e.count === 1 ? "report" : "reports"}`,
    `${fmtInt(e.pages.length)} ${e.pages.length === 1 ? "page" : "pages"}`,
  ];
  if (e.lastSeen) parts.push(`last seen ${fmtRelative(e.lastSeen)}`);
  return parts.join(" · ");
}

/** `open`: unfolded at first (where the pages and samples are what the user must judge). */
export function Evidence({ evidence, open = false }: { evidence: EvidenceDto; open?: boolean }) {
  return (
    <details className="evidence" open={open}>
      <summary>Evidence: {evidenceSummary(evidence)}</summary>
      <div className="evidence-body">
        {evidence.firstSeen ? (
          <p>
            First seen {fmtDateTime(evidence.firstSeen)}, last seen {fmtDateTime(evidence.lastSeen)}.
          </p>
        ) : null}
        {evidence.pages.length ? (
          <>
            <h5 className="visually-hidden">Pages</h5>
            <ul className="plain-list mono">
              {evidence.pages.slice(0, 20).map((p) => (
                <li key={p}>
                  <Untrusted text={p} />
                </li>
              ))}
            </ul>
            {evidence.pages.length > 20 ? (
              <p className="muted">and {fmtInt(evidence.pages.length - 20)} more pages</p>
            ) : null}
          </>
        ) : null}
        {evidence.samples.length ? (
          <>
            <p>
              <strong>Samples</strong> (as received; report text can be forged):
            </p>
            <ul className="plain-list mono">
              {evidence.samples.map((s, i) => (
                <li key={i}>
                  {s.blockedUrl ? <Untrusted text={s.blockedUrl} /> : "(no blocked URL)"}
                  {s.sourceFile ? (
                    <>
                      {" — "}
                      <Untrusted text={s.sourceFile} />
                      {s.line !== null ? `:${s.line}` : ""}
                    </>
                  ) : null}
                  {s.sample ? (
                    <span className="pre">
                      {" “"}
                      <Untrusted text={s.sample} />”
                    </span>
                  ) : null}
                  {s.documentUrl ? (
                    <span className="muted">
                      {" on "}
                      <Untrusted text={s.documentUrl} />
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
    </details>
  );
}
