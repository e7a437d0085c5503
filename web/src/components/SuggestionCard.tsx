// One suggestion with its evidence and accept / reject / ignore controls (toggle buttons, aria-pressed).
import type { SuggestionDto } from "../../../server/contract.ts";
import { Evidence } from "./Evidence.tsx";
import { Sentence, Untrusted } from "./Untrusted.tsx";

export type Choice = "accept" | "reject" | "ignore";

/** The host an "ignore" rule would name, for add-suggestions of host sources; null otherwise. */
export function ignorableHost(s: SuggestionDto): string | null {
  if (s.action !== "add") return null;
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::(?:\d+|\*))?\/?$/i.exec(
    s.source,
  );
  return m?.[1]?.toLowerCase() ?? null;
}

const ACTION_LABEL: Record<string, string> = { add: "Add", remove: "Remove", refuse: "Refused" };

export function SuggestionCard({
  s,
  choice,
  onChoose,
  onIgnore,
}: {
  s: SuggestionDto;
  choice: Choice | undefined;
  onChoose: (c: Choice | undefined) => void;
  onIgnore: (host: string) => void;
}) {
  const host = ignorableHost(s);
  const refused = s.action === "refuse";
  const state = choice === "accept" ? "accepted" : choice ? "rejected" : undefined;
  const status = refused
    ? "Not allowed by Cinch's rules"
    : choice === "accept"
      ? "Accepted by you"
      : choice === "reject"
        ? "Rejected by you"
        : choice === "ignore"
          ? "Ignored (host added to ignore rules)"
          : s.applied
            ? "In the candidate (enough evidence)"
            : "Not applied: below the evidence threshold";
  const title = `${s.action} ${s.directive} ${s.source}`;
  return (
    <article className={`suggestion${state ? ` suggestion-${state}` : ""}`} aria-label={title}>
      <div className="suggestion-head">
        <div className="suggestion-title">
          <span className={`action-tag action-${s.action}`}>{ACTION_LABEL[s.action] ?? s.action}</span>
          <Untrusted className="break" text={s.source} />
          <span className="muted">
            in <Untrusted text={s.directive} />
          </span>
          {s.verify ? <span className="badge">verify under report-only</span> : null}
        </div>
        {refused ? null : (
          <div className="seg" role="group" aria-label={`Decision for ${s.source} in ${s.directive}`}>
            <button
              type="button"
              className="btn btn-small"
              aria-pressed={choice === "accept"}
              onClick={() => onChoose(choice === "accept" ? undefined : "accept")}
            >
              Accept
            </button>
            <button
              type="button"
              className="btn btn-small"
              aria-pressed={choice === "reject"}
              onClick={() => onChoose(choice === "reject" ? undefined : "reject")}
            >
              Reject
            </button>
            {host ? (
              <button
                type="button"
                className="btn btn-small"
                aria-pressed={choice === "ignore"}
                title={`Store future reports from ${host} as noise`}
                onClick={() => (choice === "ignore" ? onChoose(undefined) : onIgnore(host))}
              >
                Ignore
              </button>
            ) : null}
          </div>
        )}
      </div>
      <p className="evidence">
        <Sentence text={s.reason} /> <strong className="suggestion-status">{status}.</strong>
      </p>
      <Evidence evidence={s.evidence} />
    </article>
  );
}
