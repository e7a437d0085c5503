// The enforce confirmation: how long and on how many reports the version ran report-only, what is still missing,
// and the groups enforcing it would break, by name (its rollout status and the impact preview).
import { useEffect, useState } from "react";
import type { VersionRolloutDto } from "../../../server/contract.ts";
import type { PolicyVersionDto, PreviewDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { fmtInt } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { Dialog } from "./Dialog.tsx";
import { impactSentence } from "./ImpactCard.tsx";
import { NewGroups, ranSentence } from "./RolloutStatus.tsx";
import { Loading } from "./State.tsx";
import { Sentence, Untrusted } from "./Untrusted.tsx";

/** Blocked groups named in the dialog; the rest are counted. */
const NAMED = 10;

export function EnforceDialog({
  projectId,
  v,
  status,
  onCancel,
  onConfirm,
}: {
  projectId: string;
  v: PolicyVersionDto;
  /** The version's rollout status; undefined while it loads, null when it could not. */
  status: VersionRolloutDto | null | undefined;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const api = useApi();
  const [preview, setPreview] = useState<PreviewDto | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    api.previewPolicy(projectId, v.policy).then(setPreview, (e: unknown) => setError(e as Error));
  }, [api, projectId, v.policy]);
  const missing = status?.checklist.filter((c) => !c.ok) ?? [];
  const blocked = preview?.blockedGroups ?? [];
  // The preview lists a page of groups; its totals count them all.
  const more = Math.max(blocked.length, preview?.blocked.groups ?? 0) - Math.min(blocked.length, NAMED);
  return (
    <Dialog
      title={`Enforce version ${v.version}?`}
      onClose={onCancel}
      actions={
        <>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className={`btn ${status?.ready ? "btn-primary" : "btn-danger"}`}
            onClick={onConfirm}
          >
            Enforce version {v.version}
          </button>
        </>
      }
    >
      <p>
        Browsers will block everything this policy does not allow, once you deploy it as an enforced header.
      </p>
      {status === undefined ? (
        <Loading label="Loading the rollout status…" />
      ) : status === null ? (
        <p className="muted">The rollout status could not load.</p>
      ) : (
        <>
          <p className={status.reportOnlySince === null ? "risk" : undefined}>
            <strong>{ranSentence(status)}</strong>
            {status.reportOnlySince === null
              ? " Nothing shows yet what it would break on real pages: start report-only first."
              : null}
          </p>
          {missing.length ? (
            <>
              <p>Not ready to enforce; still missing:</p>
              <ul aria-label="Missing before enforcing">
                {missing.map((c) => (
                  <li key={c.id}>
                    <Sentence text={c.text} />
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>Every check of the rollout passed.</p>
          )}
          {status.newGroups.length ? (
            <>
              <p className="risk">
                <strong>
                  Enforcing would break {fmtInt(status.newGroups.length)}{" "}
                  {status.newGroups.length === 1 ? "group" : "groups"} reported under v{v.version}
                  {status.comparedWith === null ? "" : ` and never under enforced v${status.comparedWith}`}:
                </strong>
              </p>
              <NewGroups projectId={projectId} status={status} limit={NAMED} />
            </>
          ) : null}
        </>
      )}
      {error ? (
        <p className="form-error">The impact preview failed: {error.message}</p>
      ) : preview ? (
        <>
          <p className="risk">{impactSentence(preview)}</p>
          {blocked.length ? (
            <ul className="plain-list mono" aria-label="Groups it would block">
              {blocked.slice(0, NAMED).map((g) => (
                <li key={String(g.id)}>
                  <Link to={pathFor("group", { id: projectId, gid: g.id })} className="break">
                    <Untrusted text={g.directive} /> <Untrusted text={g.blocked} />
                  </Link>{" "}
                  <span className="muted">
                    ({fmtInt(g.count)} {g.count === 1 ? "report" : "reports"})
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
          {more > 0 ? (
            <p className="muted">
              and {fmtInt(more)} more {more === 1 ? "group" : "groups"}
            </p>
          ) : null}
        </>
      ) : (
        <Loading label="Replaying reports…" />
      )}
    </Dialog>
  );
}
