// A violation group's triage (acknowledge, resolve, mute, reopen; who and when) and the alerts it raised.
import { useId, useState } from "react";
import type { GroupAlertsDto, TriageState } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { DELIVERY_STATUS_TEXT, TRIAGE_STATES, TRIAGE_TEXT } from "../lib/alerts-vocabulary.ts";
import { fmtDateTime, fmtRelative } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { ErrorState, FormError, Loading } from "./State.tsx";
import { Untrusted } from "./Untrusted.tsx";

const HISTORY_SHOWN = 5;

function TriageControls({
  triage,
  busy,
  onSet,
}: {
  triage: GroupAlertsDto["triage"];
  busy: TriageState | null;
  onSet: (s: TriageState) => void;
}) {
  const t = TRIAGE_TEXT[triage.state];
  return (
    <>
      <p className="triage-state" aria-live="polite">
        <span className={`badge badge-triage-${triage.state}`}>{t.label}</span>{" "}
        {triage.by && triage.at ? (
          <span>
            by <Untrusted text={triage.by} />{" "}
            <time dateTime={triage.at} title={fmtDateTime(triage.at, true)}>
              {fmtRelative(triage.at)}
            </time>
          </span>
        ) : (
          <span className="muted">never triaged</span>
        )}
        <span className="muted"> — {t.help}</span>
      </p>
      <div className="toolbar triage-actions" role="group" aria-label="Triage">
        {TRIAGE_STATES.filter((s) => s !== triage.state).map((s) => (
          <button
            key={s}
            type="button"
            className="btn btn-small"
            disabled={busy !== null}
            title={TRIAGE_TEXT[s].help}
            onClick={() => onSet(s)}
          >
            {busy === s ? `${TRIAGE_TEXT[s].action}…` : TRIAGE_TEXT[s].action}
          </button>
        ))}
      </div>
      {triage.history.length > 1 ? (
        <details className="triage-history">
          <summary>Triage history ({triage.history.length})</summary>
          <ul className="plain-list">
            {triage.history.slice(0, 50).map((h, i) => (
              <li key={`${h.at}-${i}`}>
                {TRIAGE_TEXT[h.state].label} by <Untrusted text={h.by} />,{" "}
                <time dateTime={h.at}>{fmtDateTime(h.at)}</time>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function AlertHistory({ events }: { events: GroupAlertsDto["events"] }) {
  const { project } = useProject();
  const [all, setAll] = useState(false);
  if (events.length === 0)
    return (
      <p className="muted">
        No alert raised for this group. <Link to={pathFor("alerts", { id: project.id })}>Alert rules</Link>
      </p>
    );
  const shown = all ? events : events.slice(0, HISTORY_SHOWN);
  return (
    <>
      <ul className="plain-list alert-history">
        {shown.map((e) => (
          <li key={e.id}>
            <time dateTime={e.createdAt}>{fmtDateTime(e.createdAt)}</time> <Untrusted text={e.title} />
            {e.deliveries.length > 0 ? (
              <span className="muted">
                {" "}
                —{" "}
                {e.deliveries.map((d, i) => (
                  <span key={i}>
                    {i > 0 ? ", " : null}
                    <Untrusted text={d.channelName} />: {DELIVERY_STATUS_TEXT[d.status].toLowerCase()}
                  </span>
                ))}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {events.length > HISTORY_SHOWN ? (
        <button type="button" className="btn btn-small" aria-expanded={all} onClick={() => setAll((a) => !a)}>
          {all ? `Show the last ${HISTORY_SHOWN} only` : `Show all ${events.length} alerts`}
        </button>
      ) : null}
    </>
  );
}

/** The group page's triage card: loads GET …/violations/:gid/alerts, posts triage changes. */
export function GroupTriage({ groupId }: { groupId: string }) {
  const api = useApi();
  const { project } = useProject();
  const id = useId();
  const state = useAsync(() => api.groupAlerts(project.id, groupId), [project.id, groupId]);
  const [busy, setBusy] = useState<TriageState | null>(null);
  const [error, setError] = useState<Error | null>(null);

  const set = (s: TriageState) => {
    setBusy(s);
    setError(null);
    api.triageGroup(project.id, groupId, s).then(
      (triage) => {
        if (state.data) state.setData({ ...state.data, triage });
        setBusy(null);
      },
      (e: unknown) => {
        setError(e as Error);
        setBusy(null);
      },
    );
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h3 className="card-title" id={`${id}-title`}>
        Triage and alerts
      </h3>
      {state.error ? (
        <ErrorState error={state.error} retry={state.reload} title="Triage could not load" />
      ) : !state.data ? (
        <Loading label="Loading triage…" />
      ) : (
        <>
          <TriageControls triage={state.data.triage} busy={busy} onSet={set} />
          <FormError error={error} />
          <h4>Alerts raised</h4>
          <AlertHistory events={state.data.events} />
        </>
      )}
    </section>
  );
}
