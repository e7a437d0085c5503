// A project's alerts: its rules (create, edit, delete, enable), what each would have fired over the last 7 days,
// and the delivery log. Channels are instance-wide (ChannelsPage); a rule picks some of them.
import { Fragment, useState } from "react";
import type { AlertChannelDto, AlertRuleDto, AlertRulePreviewDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { paramsSummary } from "../lib/alert-rule-form.ts";
import { RULE_KIND_TEXT } from "../lib/alerts-vocabulary.ts";
import { fmtInt, fmtRelative } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { AlertPreview } from "../components/AlertPreview.tsx";
import { AlertRuleForm } from "../components/AlertRuleForm.tsx";
import { DeliveryLog } from "../components/DeliveryLog.tsx";
import { Dialog } from "../components/Dialog.tsx";
import { Async, Empty, ErrorState, FormError, Loading } from "../components/State.tsx";
import { Untrusted } from "../components/Untrusted.tsx";

type Editing = { rule?: AlertRuleDto } | null;
type Previews = Record<string, AlertRulePreviewDto | "loading" | Error>;

/** The rule body a saved rule would be created with: what the preview replays. */
const inputOf = (r: AlertRuleDto) => ({
  kind: r.kind,
  channels: r.channels,
  minCount: r.minCount,
  quietMinutes: r.quietMinutes,
  params: r.params,
});

function quietText(minutes: number): string {
  if (minutes === 0) return "none";
  if (minutes % 1440 === 0) return `${fmtInt(minutes / 1440)} ${minutes === 1440 ? "day" : "days"}`;
  if (minutes % 60 === 0) return `${fmtInt(minutes / 60)} ${minutes === 60 ? "hour" : "hours"}`;
  return `${fmtInt(minutes)} min`;
}

function RulesTable({
  rules,
  channels,
  previews,
  onPreview,
  onEdit,
  onDelete,
}: {
  rules: AlertRuleDto[];
  channels: AlertChannelDto[];
  previews: Previews;
  onPreview: (r: AlertRuleDto) => void;
  onEdit: (r: AlertRuleDto) => void;
  onDelete: (r: AlertRuleDto) => void;
}) {
  const names = new Map(channels.map((c) => [c.id, c.name]));
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Alert rules</caption>
        <thead>
          <tr>
            <th scope="col">Alert when</th>
            <th scope="col">Settings</th>
            <th scope="col">Sends to</th>
            <th scope="col" className="num">
              Min. count
            </th>
            <th scope="col">Quiet period</th>
            <th scope="col">Last fired</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => {
            const label = RULE_KIND_TEXT[r.kind].label;
            const p = previews[r.id];
            return (
              <Fragment key={r.id}>
                <tr>
                  <th scope="row">
                    {label}
                    {r.enabled ? null : <span className="badge badge-muted">disabled</span>}
                  </th>
                  <td>{paramsSummary(r)}</td>
                  <td>
                    {r.channels.length === 0
                      ? "—"
                      : r.channels.map((c, i) => (
                          <span key={c}>
                            {i > 0 ? ", " : null}
                            {names.has(c) ? (
                              <Untrusted text={names.get(c)!} />
                            ) : (
                              <span className="muted">deleted</span>
                            )}
                          </span>
                        ))}
                  </td>
                  <td className="num">{fmtInt(r.minCount)}</td>
                  <td>{quietText(r.quietMinutes)}</td>
                  <td>{r.lastFiredAt ? fmtRelative(r.lastFiredAt) : "never"}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-label={`Preview the ${label} rule over the last 7 days`}
                      aria-expanded={Boolean(p)}
                      onClick={() => onPreview(r)}
                    >
                      Preview
                    </button>
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-label={`Edit the ${label} rule`}
                      onClick={() => onEdit(r)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      aria-label={`Delete the ${label} rule`}
                      onClick={() => onDelete(r)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
                {p ? (
                  <tr className="rule-preview-row">
                    <td colSpan={7}>
                      {p === "loading" ? (
                        <Loading label="Replaying the last 7 days…" />
                      ) : p instanceof Error ? (
                        <FormError error={p} />
                      ) : (
                        <AlertPreview preview={p} />
                      )}
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function AlertsPage() {
  const api = useApi();
  const { project } = useProject();
  useTitle("Alerts", project.name);
  const rules = useAsync(() => api.listAlertRules(project.id), [project.id]);
  const channels = useAsync(() => api.listAlertChannels(), []);
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<AlertRuleDto | null>(null);
  const [previews, setPreviews] = useState<Previews>({});
  const [error, setError] = useState<Error | null>(null);

  const preview = (r: AlertRuleDto) => {
    if (previews[r.id]) {
      const { [r.id]: _closed, ...rest } = previews;
      return setPreviews(rest);
    }
    setPreviews((p) => ({ ...p, [r.id]: "loading" }));
    api.previewAlertRule(project.id, inputOf(r)).then(
      (d) => setPreviews((p) => ({ ...p, [r.id]: d })),
      (e: unknown) => setPreviews((p) => ({ ...p, [r.id]: e as Error })),
    );
  };
  const saved = (r: AlertRuleDto) => {
    const list = rules.data ?? [];
    rules.setData(list.some((x) => x.id === r.id) ? list.map((x) => (x.id === r.id ? r : x)) : [...list, r]);
    setPreviews(({ [r.id]: _stale, ...rest }) => rest);
    setEditing(null);
  };
  const remove = (r: AlertRuleDto) => {
    setDeleting(null);
    setError(null);
    api.deleteAlertRule(project.id, r.id).then(
      () => rules.setData((rules.data ?? []).filter((x) => x.id !== r.id)),
      (e: unknown) => setError(e as Error),
    );
  };
  const channelList = channels.data ?? [];

  return (
    <section aria-labelledby="alerts-title">
      <div className="page-head">
        <h2 id="alerts-title">Alerts</h2>
        <div className="toolbar">
          <button
            type="button"
            className="btn btn-primary"
            disabled={!channels.data}
            onClick={() => setEditing({})}
          >
            New rule
          </button>
        </div>
      </div>
      <p className="lead">
        Be told the moment the policy blocks something new: a deploy that broke a page, or a script nobody
        added. Rules send to the instance's <Link to={pathFor("channels")}>alert channels</Link>.
      </p>
      {channels.error ? (
        <ErrorState
          error={channels.error}
          retry={channels.reload}
          title="The alert channels could not load"
        />
      ) : null}
      {channels.data && channels.data.length === 0 ? (
        <p className="notice">
          No alert channel yet. <Link to={pathFor("channels")}>Create a webhook, Slack or email channel</Link>{" "}
          first, then a rule that sends to it.
        </p>
      ) : null}
      <FormError error={error} />
      <div className="card card-flush">
        <Async
          state={rules}
          loadingLabel="Loading rules…"
          isEmpty={(r) => r.length === 0}
          empty={
            <Empty title="No alert rule yet.">
              <p>
                Start with “New violation”: one alert per group never seen before, such as a third-party
                script the policy blocks.
              </p>
            </Empty>
          }
        >
          {(list) => (
            <RulesTable
              rules={list}
              channels={channelList}
              previews={previews}
              onPreview={preview}
              onEdit={(r) => setEditing({ rule: r })}
              onDelete={setDeleting}
            />
          )}
        </Async>
      </div>
      <DeliveryLog />
      {editing ? (
        <AlertRuleForm
          rule={editing.rule}
          channels={channelList}
          onClose={() => setEditing(null)}
          onSaved={saved}
        />
      ) : null}
      {deleting ? (
        <Dialog
          title={`Delete the “${RULE_KIND_TEXT[deleting.kind].label}” rule?`}
          onClose={() => setDeleting(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setDeleting(null)}>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" onClick={() => remove(deleting)}>
                Delete rule
              </button>
            </>
          }
        >
          <p>It stops alerting at once. Alerts already raised stay in the delivery log.</p>
        </Dialog>
      ) : null}
    </section>
  );
}
