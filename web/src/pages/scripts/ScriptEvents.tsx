// The inventory's change log (new script, new hash, gone, on a payment page without SRI, reviewed), newest first.
import type { ScriptEventDto } from "../../../../server/contract.ts";
import { Link, pathFor } from "../../lib/router.tsx";
import { Untrusted } from "../../components/Untrusted.tsx";
import { fmtDateTime } from "../../lib/format.ts";
import { EVENT_TEXT } from "../../lib/scripts-vocabulary.ts";

export function ScriptEvents({
  projectId,
  events,
  showScript = true,
  label = "Change log",
}: {
  projectId: string;
  events: readonly ScriptEventDto[];
  /** List the script's URL with each event (the inventory's log) or not (one script's own log). */
  showScript?: boolean;
  /** The list's accessible name. */
  label?: string;
}) {
  if (events.length === 0) return <p className="muted">No changes recorded.</p>;
  return (
    <ol className="script-list" aria-label={label}>
      {events.map((e) => (
        <li key={e.id}>
          <time dateTime={e.at}>{fmtDateTime(e.at)}</time> · <strong>{EVENT_TEXT[e.kind] ?? e.kind}</strong>
          {showScript ? (
            <>
              {" "}
              <Link className="break" to={pathFor("script", { id: projectId, sid: e.scriptId })}>
                <Untrusted text={e.url} />
              </Link>
            </>
          ) : null}
          {e.detail ? (
            <>
              {": "}
              <Untrusted className="break" text={e.detail} />
            </>
          ) : null}
          {e.actor ? (
            <>
              {" "}
              (by <Untrusted text={e.actor} />)
            </>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
