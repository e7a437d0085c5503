// The candidate's grade, score, size and findings (updates live as choices change).
import type { FindingDto } from "../../../server/contract.ts";
import { fmtBytes, fmtInt } from "../lib/format.ts";

const SEVERITY_ORDER: Record<string, number> = { high: 0, syntax: 1, medium: 2, low: 3, info: 4 };

export function GradeCard({
  grade,
  score,
  size,
  findings,
  busy,
}: {
  grade: string;
  score: number | null;
  size: number;
  findings: FindingDto[];
  busy: boolean;
}) {
  const sorted = [...findings].sort(
    (a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9),
  );
  return (
    <section className="card" aria-labelledby="grade-title" aria-busy={busy}>
      <h3 className="card-title" id="grade-title">
        Grade
      </h3>
      <div className="grade" aria-live="polite">
        <span className={`grade-letter grade-${grade}`} aria-label={`Grade ${grade}`}>
          {grade}
        </span>
        <div>
          {score !== null ? <div>Score {fmtInt(score)} / 100</div> : null}
          <div className="muted">Size {fmtBytes(size)}</div>
          {busy ? <div className="muted">Updating…</div> : null}
        </div>
      </div>
      {sorted.length ? (
        <ul className="findings" aria-label="Findings">
          {sorted.map((f, i) => (
            <li key={`${f.directive}-${f.message}-${i}`}>
              <span className={`sev sev-${f.severity}`}>{f.severity}</span>
              {f.directive ? <code>{f.directive}</code> : null} {f.value ? <code>{f.value}</code> : null}{" "}
              {f.message}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No findings.</p>
      )}
    </section>
  );
}
