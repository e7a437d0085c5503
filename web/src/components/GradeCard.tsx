// The candidate's grade, score, size and findings (updates live as choices change).
import type { FindingDto, ScoreBreakdownDto } from "../../../server/contract.ts";
import { fmtBytes, fmtInt } from "../lib/format.ts";
import { Sentence } from "./Untrusted.tsx";

const SEVERITY_ORDER: Record<string, number> = { high: 0, syntax: 1, medium: 2, low: 3, info: 4 };

export function GradeCard({
  grade,
  score,
  size,
  findings,
  busy,
  breakdown,
}: {
  grade: string;
  score: number | null;
  size: number;
  findings: FindingDto[];
  busy: boolean;
  /** What the score is made of (#16), when the server says. */
  breakdown?: ScoreBreakdownDto;
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
      {breakdown ? (
        <details className="score-breakdown">
          <summary>How the score is made</summary>
          <p className="mono">
            <Sentence text={breakdown.summary} />
          </p>
          {breakdown.caps.length ? (
            <ul className="plain-list">
              {breakdown.caps.map((c) => (
                <li key={c.label}>
                  {c.label}: {fmtInt(c.asked)} points asked, {fmtInt(c.counted)} counted (at most{" "}
                  {fmtInt(c.max)})
                </li>
              ))}
            </ul>
          ) : null}
          <p className="muted">
            Grades: {breakdown.thresholds.map((t) => `${t.grade} from ${fmtInt(t.min)}`).join(", ")}.
          </p>
        </details>
      ) : null}
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
