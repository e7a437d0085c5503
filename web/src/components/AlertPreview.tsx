// What a rule would have fired over the last 7 days (POST /alerts/preview): how many alerts, the newest ones with
// their group, and the server's note when the kind cannot be replayed from stored data.
import type { AlertRulePreviewDto } from "../../../server/contract.ts";
import { useProject } from "../hooks/project.tsx";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { Untrusted } from "./Untrusted.tsx";

/** The first alerts listed; the total says how many more. */
const SHOWN = 10;

export function AlertPreview({ preview }: { preview: AlertRulePreviewDto }) {
  const { project } = useProject();
  const p = preview;
  return (
    <section className="alert-preview" aria-label="Preview of the last 7 days" aria-live="polite">
      <p className="alert-preview-total">
        {p.total === 0
          ? "It would not have fired in the last 7 days."
          : `It would have fired ${fmtInt(p.total)} ${p.total === 1 ? "time" : "times"} in the last 7 days.`}
      </p>
      {p.note ? <p className="hint">{p.note}</p> : null}
      {p.fired.length > 0 ? (
        <ul className="plain-list alert-preview-list">
          {p.fired.slice(0, SHOWN).map((a, i) => (
            <li key={`${a.at}-${i}`}>
              <time dateTime={a.at}>{fmtDateTime(a.at)}</time> —{" "}
              {a.groupId !== null ? (
                <Link to={pathFor("group", { id: project.id, gid: a.groupId })}>
                  <Untrusted text={a.title} />
                </Link>
              ) : (
                <Untrusted text={a.title} />
              )}{" "}
              <span className="muted">
                ({fmtInt(a.count)} {a.count === 1 ? "report" : "reports"})
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {p.total > Math.min(p.fired.length, SHOWN) ? (
        <p className="muted">and {fmtInt(p.total - Math.min(p.fired.length, SHOWN))} more.</p>
      ) : null}
    </section>
  );
}
