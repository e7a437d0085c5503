// Export: the policy in every deployment format, enforce or report-only, with companion headers; copy/download.
import { useId } from "react";
import { EXPORT_FORMATS, type ExportFormat } from "../api/policy-types.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { useSearchParams } from "../lib/router.tsx";
import { ErrorState, Loading } from "../components/State.tsx";
import { CopyButton, downloadText } from "../components/CopyButton.tsx";
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

const isFormat = (s: string | null): s is ExportFormat =>
  (EXPORT_FORMATS as readonly string[]).includes(s ?? "");

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
  const mode = params.get("mode") === "enforce" ? "enforce" : "report-only";
  const companions = params.get("companions") === "1";

  const versions = useAsync(() => api.listVersions(project.id), [project.id]);
  const output = useAsync(
    () =>
      api.exportPolicy(project.id, {
        format,
        version: versionParam ? Number(versionParam) : undefined,
        reportOnly: mode === "report-only",
        companions,
      }),
    [project.id, format, versionParam, mode, companions],
  );

  return (
    <section aria-labelledby="export-title">
      <div className="page-head">
        <h2 id="export-title">Export</h2>
      </div>
      <p className="lead">
        The policy ready for your server or framework. Start with report-only; switch to enforce once the
        reports are quiet.
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
                <option key={f} value={f}>
                  {FORMAT_INFO[f].label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-version`}>Policy</label>
            <select
              id={`${id}-version`}
              value={versionParam}
              onChange={(e) => setParams({ version: e.target.value })}
            >
              <option value="">Current policy</option>
              {(versions.data ?? [])
                .slice()
                .sort((a, b) => b.version - a.version)
                .map((v) => (
                  <option key={v.version} value={v.version}>
                    Version {v.version} ({STATE_LABEL[v.state as keyof typeof STATE_LABEL] ?? v.state})
                  </option>
                ))}
            </select>
          </div>
          <fieldset className="segmented-radio">
            <legend>Mode</legend>
            <label>
              <input
                type="radio"
                name={`${id}-mode`}
                value="report-only"
                checked={mode === "report-only"}
                onChange={() => setParams({ mode: null })}
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
        {versions.error ? (
          <p className="form-error">Versions could not load: {versions.error.message}</p>
        ) : null}
      </div>
      <div className="card">
        <div className="suggestion-head">
          <h3 className="card-title" id={`${id}-out`}>
            {FORMAT_INFO[format].label}, {mode === "enforce" ? "enforced" : "report-only"}
          </h3>
          {output.data !== undefined && !output.error ? (
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
        {output.error ? (
          <ErrorState error={output.error} retry={output.reload} title="The export failed" />
        ) : output.data === undefined ? (
          <Loading label="Exporting…" />
        ) : (
          <pre className="code" tabIndex={0} aria-labelledby={`${id}-out`} aria-busy={output.loading}>
            <code>{output.data}</code>
          </pre>
        )}
        {mode === "enforce" ? (
          <p className="hint">
            Enforcing blocks what the policy does not allow. Check the impact in the policy builder first.
          </p>
        ) : null}
      </div>
      <PipelineCard projectId={project.id} />
    </section>
  );
}
