// A source the enforced policy blocked on real pages (decision kind "blocked-in-production"): never a routine accept.
// The card states how often and where it was blocked, since when, the samples, and the risk of allowing it; allowing
// it takes a confirmation that the team added it.
import { useId, useState } from "react";
import type { DecisionDto } from "../../../server/contract.ts";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Dialog } from "./Dialog.tsx";
import { Evidence } from "./Evidence.tsx";
import { Sentence, Untrusted, showBidiControls } from "./Untrusted.tsx";

const SCRIPT = new Set(["script-src", "script-src-elem", "script-src-attr", "worker-src"]);
const FRAME = new Set(["frame-src", "child-src", "frame-ancestors"]);

/**
 * The kind of harm allowing a blocked source risks, named before the server's risk text: for script, worker and
 * object sources it is running someone else's code in the page, for frame sources a page of theirs inside yours.
 */
export function blockedStakes(directive: string): string {
  if (SCRIPT.has(directive) || directive === "object-src") return "Code execution risk: ";
  if (FRAME.has(directive)) return "Framing risk: ";
  return "Risk: ";
}

const plural = (n: number, one: string, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

export function BlockedDecisionCard({
  d,
  onChange,
}: {
  d: DecisionDto;
  onChange: (accepted: boolean) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [ours, setOurs] = useState(false);
  const checkId = useId();
  const source = d.add.join(" ");
  const stakes = blockedStakes(d.directive);
  const blocked = d.blockedReports ?? d.evidence.count;
  const since = d.blockedSince === undefined ? "the enforced policy" : `v${d.blockedSince}`;
  return (
    <article
      className={`suggestion suggestion-unsafe suggestion-blocked${d.accepted ? " suggestion-accepted" : ""}`}
      aria-label={`${showBidiControls(source)} in ${showBidiControls(d.directive)}, blocked in production`}
    >
      <div className="suggestion-head">
        <div className="suggestion-title">
          <span className="action-tag action-remove">Blocked by {since}</span>
          <Untrusted className="break" text={source} />
          <span className="muted">
            in <Untrusted text={d.directive} />
          </span>
        </div>
        {d.accepted ? (
          <button type="button" className="btn btn-small" onClick={() => onChange(false)}>
            Keep it blocked
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => {
              setOurs(false);
              setConfirming(true);
            }}
          >
            Allow anyway…
          </button>
        )}
      </div>
      <p className="evidence">
        {plural(blocked, "blocked report")} on {plural(d.evidence.pages.length, "page")}
        {d.evidence.firstSeen ? `, first seen ${fmtDateTime(d.evidence.firstSeen)}` : ""}
        {d.evidence.lastSeen ? `, last seen ${fmtDateTime(d.evidence.lastSeen)}` : ""}.{" "}
        <strong>
          {d.accepted ? "Allowed by you: in the candidate." : "Still blocked: not in the candidate."}
        </strong>
      </p>
      <p className="risk">
        <strong>{stakes}</strong>
        <Sentence text={d.risk} />
      </p>
      <Evidence evidence={d.evidence} open />
      {confirming ? (
        <Dialog
          title={`Allow a source blocked in production?`}
          onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="btn btn-primary" onClick={() => setConfirming(false)}>
                Keep it blocked
              </button>
              <button
                type="button"
                className="btn btn-danger"
                disabled={!ours}
                onClick={() => {
                  setConfirming(false);
                  onChange(true);
                }}
              >
                Allow it in the candidate
              </button>
            </>
          }
        >
          <p>
            Enforced {since} blocked{" "}
            <code className="break">
              <Untrusted text={source} />
            </code>{" "}
            in{" "}
            <code>
              <Untrusted text={d.directive} />
            </code>{" "}
            {plural(blocked, "time")} on real pages. Nothing shows it belongs to your site: injected code
            reports exactly like this.
          </p>
          <p className="risk">
            <strong>{stakes}</strong>
            <Sentence text={d.risk} />
          </p>
          <div className="field field-check">
            <input id={checkId} type="checkbox" checked={ours} onChange={(e) => setOurs(e.target.checked)} />
            <label htmlFor={checkId}>My team added this source on purpose; it is not injected</label>
          </div>
        </Dialog>
      ) : null}
    </article>
  );
}
