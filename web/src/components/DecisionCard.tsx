// A risky choice (unsafe keyword, nonce, unsafe-hashes, wildcard, a source blocked in production): accepted only
// through a confirmation that explains the risk.
import { useId, useState } from "react";
import type { DecisionDto } from "../../../server/contract.ts";
import { BlockedDecisionCard } from "./BlockedDecisionCard.tsx";
import { Evidence } from "./Evidence.tsx";
import { Dialog } from "./Dialog.tsx";
import { Sentence, Untrusted } from "./Untrusted.tsx";

const KIND_LABEL: Record<string, string> = {
  "unsafe-keyword": "Unsafe keyword",
  nonce: "Nonce",
  "unsafe-hashes": "unsafe-hashes",
  wildcard: "Wildcard",
  "blocked-in-production": "Blocked in production",
};

export function decisionTitle(d: DecisionDto): string {
  const add = d.add.length ? `allow ${d.add.join(" ")}` : "";
  const remove = d.remove.length ? ` instead of ${d.remove.join(" ")}` : "";
  return `${add}${remove} in ${d.directive}`;
}

export function DecisionCard({ d, onChange }: { d: DecisionDto; onChange: (accepted: boolean) => void }) {
  // A source blocked in production is never a routine accept: its own card, its own confirmation.
  if (d.kind === "blocked-in-production") return <BlockedDecisionCard d={d} onChange={onChange} />;
  return <RiskyDecisionCard d={d} onChange={onChange} />;
}

function RiskyDecisionCard({ d, onChange }: { d: DecisionDto; onChange: (accepted: boolean) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [understood, setUnderstood] = useState(false);
  const checkId = useId();
  const title = decisionTitle(d);
  return (
    <article
      className={`suggestion suggestion-unsafe${d.accepted ? " suggestion-accepted" : ""}`}
      aria-label={title}
    >
      <div className="suggestion-head">
        <div className="suggestion-title">
          <span className="action-tag action-remove">{KIND_LABEL[d.kind] ?? d.kind}</span>
          <Sentence text={title} />
        </div>
        {d.accepted ? (
          <button type="button" className="btn btn-small" onClick={() => onChange(false)}>
            Undo acceptance
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => {
              setUnderstood(false);
              setConfirming(true);
            }}
          >
            Accept…
          </button>
        )}
      </div>
      <p className="evidence">
        <Sentence text={d.reason} />{" "}
        <strong>{d.accepted ? "Accepted: in the candidate." : "Not in the candidate."}</strong>
      </p>
      <Evidence evidence={d.evidence} />
      {confirming ? (
        <Dialog
          title={`Accept ${KIND_LABEL[d.kind] ?? d.kind}?`}
          onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setConfirming(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                disabled={!understood}
                onClick={() => {
                  setConfirming(false);
                  onChange(true);
                }}
              >
                Accept the risk
              </button>
            </>
          }
        >
          <p>
            This adds <code className="break">{d.add.join(" ") || "(nothing)"}</code> to{" "}
            <code>
              <Untrusted text={d.directive} />
            </code>
            {d.remove.length ? (
              <>
                {" "}
                and drops <code className="break">{d.remove.join(" ")}</code>
              </>
            ) : null}
            .
          </p>
          <p className="risk">
            <strong>Risk: </strong>
            <Sentence text={d.risk} />
          </p>
          <p>
            <Sentence text={d.reason} />
          </p>
          <div className="field field-check">
            <input
              id={checkId}
              type="checkbox"
              checked={understood}
              onChange={(e) => setUnderstood(e.target.checked)}
            />
            <label htmlFor={checkId}>I understand the risk and still want this in the policy</label>
          </div>
        </Dialog>
      ) : null}
    </article>
  );
}
