// One suggestion with its evidence and accept / reject / ignore controls (toggle buttons, aria-pressed).
import type { SuggestionDto } from "../../../server/contract.ts";
import { Evidence } from "./Evidence.tsx";
import { Sentence, Untrusted } from "./Untrusted.tsx";
import { fmtInt } from "../lib/format.ts";

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

/** What each button does, said on the button (title) and to screen readers (its description). */
export const CHOICE_HELP: Record<Choice, string> = {
  accept: "Include it in the candidate even below the evidence threshold",
  reject: "Leave it out of the candidate even with enough evidence",
  ignore: "Leave it out and store this host's future reports as noise (adds an ignore rule)",
};

const plural = (n: number, one: string) => `${fmtInt(n)} ${n === 1 ? one : `${one}s`}`;

/**
 * One status per suggestion, in one line: whether it is in the candidate and why, e.g. "Included: 4 reports ≥
 * threshold 2", "Left out: you rejected it".
 */
export function suggestionStatus(
  s: SuggestionDto,
  choice: Choice | undefined,
  threshold: number | undefined,
): { included: boolean; text: string } {
  const n = s.evidence.count;
  if (s.action === "refuse") return { included: false, text: "Not allowed: Cinch never adds this" };
  if (choice === "accept")
    return { included: true, text: `Included: you accepted it (${plural(n, "report")})` };
  if (choice === "reject") return { included: false, text: "Left out: you rejected it" };
  if (choice === "ignore") return { included: false, text: "Left out: its host is ignored" };
  const bar = threshold === undefined ? "" : ` threshold ${fmtInt(threshold)}`;
  if (s.applied) return { included: true, text: `Included: ${plural(n, "report")}${bar ? ` ≥${bar}` : ""}` };
  return {
    included: false,
    text: `Left out: ${plural(n, "report")}${bar ? ` <${bar}` : ", below the threshold"}`,
  };
}

export function SuggestionCard({
  s,
  choice,
  threshold,
  onChoose,
  onIgnore,
}: {
  s: SuggestionDto;
  choice: Choice | undefined;
  /** The project's evidence threshold (reports a suggestion needs to be included by itself). */
  threshold?: number;
  onChoose: (c: Choice | undefined) => void;
  onIgnore: (host: string) => void;
}) {
  const host = ignorableHost(s);
  const refused = s.action === "refuse";
  const state = choice === "accept" ? "accepted" : choice ? "rejected" : undefined;
  const status = suggestionStatus(s, choice, threshold);
  const title = `${s.action} ${s.directive} ${s.source}`;
  const helpId = `help-${s.id.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  // Only the buttons that change something: Accept where it is left out by the threshold, Reject where it is
  // included by it, Ignore for a host; once chosen, the pressed button alone (pressing it again undoes it).
  const offered: Choice[] = choice
    ? [choice]
    : [s.applied ? "reject" : "accept", ...(host ? (["ignore"] as const) : [])];
  const LABEL: Record<Choice, string> = { accept: "Accept", reject: "Reject", ignore: "Ignore" };
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
            {offered.map((c) => (
              <button
                key={c}
                type="button"
                className="btn btn-small"
                aria-pressed={choice === c}
                title={choice === c ? `Undo: ${CHOICE_HELP[c].toLowerCase()}` : CHOICE_HELP[c]}
                aria-describedby={`${helpId}-${c}`}
                onClick={() =>
                  choice === c ? onChoose(undefined) : c === "ignore" && host ? onIgnore(host) : onChoose(c)
                }
              >
                {LABEL[c]}
                <span hidden id={`${helpId}-${c}`}>
                  {choice === c ? "Pressed; press again to undo. " : ""}
                  {CHOICE_HELP[c]}
                </span>
              </button>
            ))}
          </div>
        )}
      </div>
      <p className={`suggestion-status ${status.included ? "status-in" : "status-out"}`}>
        <strong>{status.text}</strong>
      </p>
      <p className="evidence">
        <Sentence text={s.reason} />
      </p>
      <Evidence evidence={s.evidence} />
    </article>
  );
}
