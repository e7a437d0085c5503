// A project that has never received a report: instead of "No violations match" and a wall of zeros, the header
// to paste and a button that sends a marked test report through the public report URI, saying whether it arrived
// (#16). The test report is stored as noise ("test-report"): shown, flagged, kept out of the policy.
import { useState } from "react";
import type { ProjectDto, TestReportDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { Link, pathFor } from "../lib/router.tsx";
import { fmtInt } from "../lib/format.ts";
import { CodeBlock } from "./CodeBlock.tsx";
import { FormError } from "./State.tsx";

export function FirstRun({ project }: { project: ProjectDto }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestReportDto | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.sendTestReport(project.id));
    } catch (err) {
      setResult(null);
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card first-run" aria-labelledby="first-run-title">
      <h3 id="first-run-title" className="card-title">
        Waiting for your first report
      </h3>
      <p>
        No report has reached this project yet. Add this response header to the pages you want to watch;
        nothing is blocked, browsers only report what the policy would block.
      </p>
      <CodeBlock id="first-run-header" label="Report-only header" text={project.install.headers.join("\n")} />
      <p className="hint">
        More options on the <Link to={pathFor("install", { id: project.id })}>Install</Link> page.
      </p>
      <div className="first-run-test">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void send()}>
          {busy ? "Sending…" : "Send a test report"}
        </button>
        <span className="hint">
          Sends one report marked as a test to <span className="mono">{project.install.reportUri}</span>, the
          way a browser would. It is kept out of the policy.
        </span>
      </div>
      <div role="status" aria-live="polite">
        {result ? (
          <p className={result.arrived ? "notice notice-success" : "notice notice-error"}>
            <strong>{result.arrived ? "It arrived." : "It did not arrive."}</strong> {result.message}{" "}
            {result.status !== null ? `(HTTP ${result.status}, ${fmtInt(result.elapsedMs)} ms)` : null}
            {result.arrived && result.groupId !== null ? (
              <>
                {" "}
                <Link to={pathFor("group", { id: project.id, gid: result.groupId })}>
                  See the test report
                </Link>
              </>
            ) : null}
          </p>
        ) : null}
      </div>
      <FormError error={error} />
    </section>
  );
}
