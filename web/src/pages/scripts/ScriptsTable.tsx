// The inventory as a table: each script's URL (a link to its page), origin, status, hashes, SRI and pages.
import type { ScriptDto } from "../../../../server/contract.ts";
import { Link, pathFor } from "../../lib/router.tsx";
import { Untrusted } from "../../components/Untrusted.tsx";
import { fmtDateTime, fmtInt, fmtRelative } from "../../lib/format.ts";
import { hashableText, shortHash, sriText, STATUS_TEXT } from "../../lib/scripts-vocabulary.ts";

/** A status badge with its meaning as a tooltip. */
export function StatusBadge({ status }: { status: ScriptDto["status"] }) {
  const t = STATUS_TEXT[status];
  return (
    <span className={`badge ${t.badge}`} title={t.help}>
      {t.label}
    </span>
  );
}

export function ScriptsTable({
  projectId,
  scripts,
  now,
}: {
  projectId: string;
  scripts: readonly ScriptDto[];
  now: number;
}) {
  return (
    <div className="table-wrap">
      <table className="table scripts-table">
        <caption className="visually-hidden">Scripts</caption>
        <thead>
          <tr>
            <th scope="col">Script</th>
            <th scope="col">Status</th>
            <th scope="col">Hash</th>
            <th scope="col">SRI</th>
            <th scope="col">Pages</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {scripts.map((s) => {
            const latest = s.hashes[0];
            return (
              <tr key={s.id}>
                <td className="list-cell">
                  <Link className="blocked-link break" to={pathFor("script", { id: projectId, sid: s.id })}>
                    <Untrusted text={s.url} />
                  </Link>
                  <div className="muted">
                    <Untrusted text={s.origin} />
                    {s.pattern !== null ? " · grouped by pattern" : ""}
                    {s.onPaymentPage ? " · payment page" : ""}
                  </div>
                </td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td className="mono">
                  {latest ? (
                    <span title={latest.hash}>
                      <Untrusted text={shortHash(latest.hash)} />
                    </span>
                  ) : (
                    <span className="muted">{hashableText(s)}</span>
                  )}
                  {s.hashes.length > 1 ? (
                    <div className="muted">{fmtInt(s.hashes.length)} hashes seen</div>
                  ) : null}
                </td>
                <td>{sriText(s)}</td>
                <td>{fmtInt(s.pages.length)}</td>
                <td title={fmtDateTime(s.lastSeen)}>{fmtRelative(s.lastSeen, now)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
