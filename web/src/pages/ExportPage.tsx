// Export: by default what is deployed (the enforced version, and the report-only candidate beside it as a second
// header), or one version in either mode; every format, companion headers, copy and download.
import { useId } from "react";
import { EXPORT_FORMATS } from "../lib/policy-vocabulary.ts";
import type { DeployState, ExportFormat, PolicyVersionDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { useSearchParams } from "../lib/router.tsx";
import { ErrorState, Loading } from "../components/State.tsx";
import { CopyButton, downloadText } from "../components/CopyButton.tsx";
import { Untrusted } from "../components/Untrusted.tsx";
import { STATE_LABEL } from "./VersionsPage.tsx";
import { PipelineCard } from "../components/PipelineCard.tsx";

export const FORMAT_INFO: Record<ExportFormat, { label: string; file: string }> = {
  header: { label: "HTTP header", file: "csp-header.txt" },
  meta: { label: "HTML <meta> tag", file: "csp-meta.html" },
  nginx: { label: "nginx", file: "csp.nginx.conf" },
  apache: { label: "Apache", file: "csp.apache.conf" },
  caddy: { label: "Caddy", file: "csp.Caddyfile" },
  iis: { label: "IIS (web.config)", file: "web.config" },
  helmet: { label: "Express + Helmet", file: "csp.helmet.js" },
  nextjs: { label: "Next.js", file: "csp.next.config.js" },
  phoenix: { label: "Phoenix", file: "csp_plug.ex" },
  rails: { label: "Rails", file: "content_security_policy.rb" },
  django: { label: "Django", file: "csp_settings.py" },
  cloudflare: { label: "Cloudflare (_headers)", file: "_headers" },
};

const ENFORCE_HEADER = "Content-Security-Policy";
const REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only";

const isFormat = (s: string | null): s is ExportFormat =>
  (EXPORT_FORMATS as readonly string[]).includes(s ?? "");

/** One policy an export carries: its version (null: the starter policy) and its disposition. */
export type ExportPart = { version: number | null; reportOnly: boolean };

const newest = (vs: readonly PolicyVersionDto[], state: string): PolicyVersionDto | undefined =>
  vs.filter((v) => v.state === state).sort((a, b) => b.version - a.version)[0];

/**
 * What the deployed export carries, as the server renders it (server/policy/versions.ts deployedSet): the newest
 * enforced version in enforce mode first, then the newest report-only version beside it; the starter policy,
 * report-only, while no version runs.
 */
export function deployedParts(vs: readonly PolicyVersionDto[], state: DeployState): ExportPart[] {
  const enforced = state === "report-only" ? undefined : newest(vs, "enforced");
  const candidate = state === "enforced" ? undefined : newest(vs, "report-only");
  const parts: ExportPart[] = [];
  if (enforced) parts.push({ version: enforced.version, reportOnly: false });
  if (candidate) parts.push({ version: candidate.version, reportOnly: true });
  if (parts.length === 0 && state === "both") parts.push({ version: null, reportOnly: true });
  return parts;
}

const partName = (p: ExportPart) => (p.version === null ? "the starter policy" : `version ${p.version}`);

/** "enforced v1 and report-only v2", for the output's title. */
function partsTitle(parts: readonly ExportPart[]): string {
  return parts
    .map(
      (p) =>
        `${p.reportOnly ? "report-only" : "enforced"} ${p.version === null ? "starter" : `v${p.version}`}`,
    )
    .join(" and ");
}

function PartsList({ parts, format }: { parts: readonly ExportPart[]; format: ExportFormat }) {
  return (
    <ul className="plain-list export-parts" aria-label="Headers in this export">
      {parts.map((p) => (
        <li key={`${p.version}-${p.reportOnly}`}>
          <code>{p.reportOnly ? REPORT_ONLY_HEADER : ENFORCE_HEADER}</code>:{" "}
          {p.reportOnly
            ? format === "meta"
              ? `${partName(p)} cannot go in a <meta> tag: send it as a response header (the comment in the output has it).`
              : `${partName(p)}, report-only: browsers report what it would block and block nothing.`
            : `${partName(p)}, enforced: browsers block what it does not allow.`}
          {p.version === null
            ? " No version runs yet (start one report-only on the Versions page), so its reports carry no version tag."
            : ` Its reports carry ?v=${p.version}.`}
        </li>
      ))}
    </ul>
  );
}

export function ExportPage() {
  const api = useApi();
  const { project } = useProject();
  useTitle("Export", project.name);
  const id = useId();
  const [params, setParams] = useSearchParams();
  const format: ExportFormat = isFormat(params.get("format"))
    ? (params.get("format") as ExportFormat)
    : "header";
  const versionParam = params.get("version") ?? "";
  const modeParam = params.get("mode");
  const chosenMode = modeParam === "enforce" || modeParam === "report-only" ? modeParam : null;
  const companions = params.get("companions") === "1";

  const versions = useAsync(() => api.listVersions(project.id), [project.id]);
  const list = versions.data ?? [];
  const both = newest(list, "enforced") !== undefined && newest(list, "report-only") !== undefined;
  // A choice between the two deployed policies only exists while both run.
  const stateParam = params.get("state");
  const state: DeployState =
    both && (stateParam === "enforced" || stateParam === "report-only") ? stateParam : "both";
  const selected = versionParam ? list.find((v) => String(v.version) === versionParam) : undefined;
  // A version exports in its own state unless a mode is chosen.
  const mode = chosenMode ?? (selected?.state === "enforced" ? "enforce" : "report-only");
  const parts: ExportPart[] | null = versionParam
    ? [{ version: Number(versionParam), reportOnly: mode === "report-only" }]
    : versions.data
      ? deployedParts(list, state)
      : null;
  // <meta> cannot carry a report-only policy (CSP3 §3.3): such an export is offered disabled, never requested.
  const reportOnlyOnly = parts !== null && parts.every((p) => p.reportOnly);
  const impossible = format === "meta" && reportOnlyOnly;
  // Whether a <meta> export is possible is known once the versions are.
  const waiting = format === "meta" && versions.data === undefined && !versions.error;

  const output = useAsync(
    () =>
      impossible || waiting
        ? Promise.resolve(null)
        : api.exportPolicy(project.id, {
            format,
            version: versionParam ? Number(versionParam) : undefined,
            reportOnly: versionParam && chosenMode ? chosenMode === "report-only" : undefined,
            companions,
            state,
          }),
    [project.id, format, versionParam, chosenMode, companions, state, impossible, waiting],
  );

  return (
    <section aria-labelledby="export-title">
      <div className="page-head">
        <h2 id="export-title">Export</h2>
      </div>
      <p className="lead">
        The policy ready for your server or framework. By default it is what is deployed: the enforced
        version, and the report-only candidate beside it as a second header. Every report URL carries{" "}
        <code>?v=N</code>, so each report is attributed to its version.
      </p>
      <div className="card">
        <form className="export-options" onSubmit={(e) => e.preventDefault()} aria-label="Export options">
          <div className="field">
            <label htmlFor={`${id}-format`}>Format</label>
            <select
              id={`${id}-format`}
              value={format}
              onChange={(e) => setParams({ format: e.target.value })}
            >
              {EXPORT_FORMATS.map((f) => (
                <option key={f} value={f} disabled={f === "meta" && reportOnlyOnly && format !== "meta"}>
                  {FORMAT_INFO[f].label}
                  {f === "meta" && reportOnlyOnly ? " (cannot carry report-only)" : ""}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-version`}>Policy</label>
            <select
              id={`${id}-version`}
              value={versionParam}
              onChange={(e) => setParams({ version: e.target.value, mode: null, state: null })}
            >
              <option value="">What is deployed</option>
              {[...list]
                .sort((a, b) => b.version - a.version)
                .map((v) => (
                  <option key={v.version} value={v.version}>
                    Version {v.version} ({STATE_LABEL[v.state as keyof typeof STATE_LABEL] ?? v.state})
                  </option>
                ))}
            </select>
          </div>
          {versionParam ? (
            <fieldset className="segmented-radio">
              <legend>Mode</legend>
              <label>
                <input
                  type="radio"
                  name={`${id}-mode`}
                  value="report-only"
                  checked={mode === "report-only"}
                  disabled={format === "meta"}
                  onChange={() => setParams({ mode: "report-only" })}
                />
                Report-only
              </label>
              <label>
                <input
                  type="radio"
                  name={`${id}-mode`}
                  value="enforce"
                  checked={mode === "enforce"}
                  onChange={() => setParams({ mode: "enforce" })}
                />
                Enforce
              </label>
            </fieldset>
          ) : both ? (
            <fieldset className="segmented-radio">
              <legend>Deployed policies</legend>
              <label>
                <input
                  type="radio"
                  name={`${id}-state`}
                  value="both"
                  checked={state === "both"}
                  onChange={() => setParams({ state: null })}
                />
                Both (two headers)
              </label>
              <label>
                <input
                  type="radio"
                  name={`${id}-state`}
                  value="enforced"
                  checked={state === "enforced"}
                  onChange={() => setParams({ state: "enforced" })}
                />
                Enforced only
              </label>
              <label>
                <input
                  type="radio"
                  name={`${id}-state`}
                  value="report-only"
                  checked={state === "report-only"}
                  disabled={format === "meta"}
                  onChange={() => setParams({ state: "report-only" })}
                />
                Report-only only
              </label>
            </fieldset>
          ) : null}
          <div className="field field-check">
            <input
              id={`${id}-companions`}
              type="checkbox"
              checked={companions}
              onChange={(e) => setParams({ companions: e.target.checked ? "1" : null })}
            />
            <label htmlFor={`${id}-companions`}>Include companion headers (Reporting-Endpoints…)</label>
          </div>
        </form>
        {format === "meta" ? (
          <p className="hint">
            A <code>&lt;meta&gt;</code> tag can only enforce: browsers ignore a report-only policy there, and
            report-uri, frame-ancestors and sandbox too. Run report-only with a response header.
          </p>
        ) : null}
        {versions.error ? (
          <p className="form-error">Versions could not load: {versions.error.message}</p>
        ) : null}
      </div>
      <div className="card">
        <div className="suggestion-head">
          <h3 className="card-title" id={`${id}-out`}>
            {FORMAT_INFO[format].label}
            {parts ? `: ${partsTitle(parts)}` : ""}
          </h3>
          {typeof output.data === "string" && !output.error ? (
            <div className="toolbar">
              <CopyButton text={output.data} label="Copy" />
              <button
                type="button"
                className="btn btn-small"
                onClick={() => downloadText(FORMAT_INFO[format].file, output.data ?? "")}
              >
                Download {FORMAT_INFO[format].file}
              </button>
            </div>
          ) : null}
        </div>
        {parts ? <PartsList parts={parts} format={format} /> : null}
        {impossible ? (
          <p className="notice" role="note">
            A <code>&lt;meta&gt;</code> tag cannot carry a report-only policy (CSP3 §3.3: browsers ignore{" "}
            <code>{REPORT_ONLY_HEADER}</code> there). Pick another format, or
            {versionParam ? " choose Enforce." : " enforce a version first."}
          </p>
        ) : output.error ? (
          <ErrorState error={output.error} retry={output.reload} title="The export failed" />
        ) : output.data === undefined || output.data === null ? (
          <Loading label="Exporting…" />
        ) : (
          <pre className="code" tabIndex={0} aria-labelledby={`${id}-out`} aria-busy={output.loading}>
            <code>
              <Untrusted text={output.data} />
            </code>
          </pre>
        )}
        {mode === "enforce" && versionParam ? (
          <p className="hint">
            Enforcing blocks what the policy does not allow. Run it report-only first and check its rollout
            status on the Versions page.
          </p>
        ) : null}
      </div>
      <PipelineCard projectId={project.id} />
    </section>
  );
}
