// Current and candidate policies side by side, one directive per line; added sources <ins>, removed <del>.
import { diffPolicies, diffSummary, type DirectiveDiff } from "../lib/policy-diff.ts";
import { fmtInt } from "../lib/format.ts";
import { showBidiControls, untrustedProps, Untrusted } from "./Untrusted.tsx";

function Lines({
  diff,
  side,
  label,
}: {
  diff: DirectiveDiff[];
  side: "current" | "candidate";
  label: string;
}) {
  const rows = diff.filter((d) => (side === "current" ? d.change !== "added" : d.change !== "removed"));
  return (
    // Focusable: the list scrolls past its height, and keyboard users must be able to scroll it (axe:
    // scrollable-region-focusable).
    <ul className="policy-lines" aria-label={label} tabIndex={0}>
      {rows.length === 0 ? <li className="muted">(empty policy)</li> : null}
      {rows.map((d) => {
        const cls =
          side === "candidate" && d.change === "added"
            ? "line-added"
            : side === "current" && d.change === "removed"
              ? "line-removed"
              : undefined;
        return (
          <li key={d.name} className={cls}>
            <Untrusted className="dname" text={d.name} />
            {d.values
              .filter((v) => (side === "current" ? v.change !== "added" : v.change !== "removed"))
              .map((v) => (
                <span key={v.value}>
                  {" "}
                  {side === "candidate" && v.change === "added" ? (
                    <ins className="tok" {...untrustedProps}>
                      {showBidiControls(v.value)}
                    </ins>
                  ) : side === "current" && v.change === "removed" ? (
                    <del className="tok" {...untrustedProps}>
                      {showBidiControls(v.value)}
                    </del>
                  ) : (
                    <Untrusted text={v.value} />
                  )}
                </span>
              ))}
            ;
          </li>
        );
      })}
    </ul>
  );
}

export function PolicyDiff({
  current,
  candidate,
  currentLabel,
}: {
  current: string;
  candidate: string;
  currentLabel: string;
}) {
  const diff = diffPolicies(current, candidate);
  const sum = diffSummary(diff);
  return (
    <>
      <p className="hint" aria-live="polite">
        {sum.added === 0 && sum.removed === 0
          ? "The candidate is the same as the current policy."
          : `${fmtInt(sum.added)} added, ${fmtInt(sum.removed)} removed.`}
      </p>
      <div className="diff">
        <div>
          <h4>Current: {currentLabel}</h4>
          <Lines diff={diff} side="current" label="Current policy" />
        </div>
        <div>
          <h4>Candidate</h4>
          <Lines diff={diff} side="candidate" label="Candidate policy" />
        </div>
      </div>
    </>
  );
}
