// A project's alert delivery log: each alert to each channel with its status, attempts, the receiver's answer code
// and the last error, newest first; filterable by status.
import { useId, useState } from "react";
import type { AlertDeliveryStatus } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { DELIVERY_STATUS_TEXT } from "../lib/alerts-vocabulary.ts";
import { fmtDateTime, fmtRelative } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { Async, Empty } from "./State.tsx";
import { Untrusted } from "./Untrusted.tsx";

const LIMIT = 100;
const STATUSES = Object.keys(DELIVERY_STATUS_TEXT) as AlertDeliveryStatus[];

export function DeliveryLog() {
  const api = useApi();
  const { project } = useProject();
  const id = useId();
  const [status, setStatus] = useState<AlertDeliveryStatus | "">("");
  const log = useAsync(
    () => api.alertDeliveries(project.id, { status: status || undefined, limit: LIMIT }),
    [project.id, status],
  );
  return (
    <section className="card card-flush" aria-labelledby={`${id}-title`}>
      <div className="card-head">
        <h3 className="card-title" id={`${id}-title`}>
          Delivery log
        </h3>
        <div className="toolbar">
          <div className="field field-inline">
            <label htmlFor={`${id}-status`}>Status</label>
            <select
              id={`${id}-status`}
              value={status}
              onChange={(e) => setStatus(e.target.value as AlertDeliveryStatus | "")}
            >
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {DELIVERY_STATUS_TEXT[s]}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="btn btn-small" onClick={log.reload}>
            Refresh
          </button>
        </div>
      </div>
      <Async
        state={log}
        loadingLabel="Loading deliveries…"
        isEmpty={(d) => d.length === 0}
        empty={
          <Empty title={status ? "No delivery with this status." : "No alert sent yet."}>
            {status ? null : <p>Alerts show here as rules fire, with what each channel answered.</p>}
          </Empty>
        }
      >
        {(list) => (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Alert deliveries</caption>
              <thead>
                <tr>
                  <th scope="col">Raised</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Response</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {list.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <time dateTime={d.createdAt} title={fmtDateTime(d.createdAt, true)}>
                        {fmtRelative(d.createdAt)}
                      </time>
                    </td>
                    <th scope="row">
                      {d.groupId !== null ? (
                        <Link to={pathFor("group", { id: project.id, gid: d.groupId })}>
                          <Untrusted text={d.title} />
                        </Link>
                      ) : (
                        <Untrusted text={d.title} />
                      )}
                    </th>
                    <td>
                      <Untrusted text={d.channelName} />
                    </td>
                    <td>
                      <span className={`badge badge-delivery-${d.status}`}>
                        {DELIVERY_STATUS_TEXT[d.status]}
                      </span>
                      {d.status === "delivered" && d.deliveredAt ? (
                        <span className="stat-detail">{fmtDateTime(d.deliveredAt, true)}</span>
                      ) : d.status === "pending" && d.nextAttemptAt ? (
                        <span className="stat-detail">next try {fmtRelative(d.nextAttemptAt)}</span>
                      ) : null}
                    </td>
                    <td className="num">{d.attempts}</td>
                    <td>{d.responseCode ?? "—"}</td>
                    <td className="delivery-error">
                      {d.lastError ? <Untrusted className="mono" text={d.lastError} /> : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </section>
  );
}
