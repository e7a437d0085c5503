// Install: the exact headers to paste (report-only policy, Reporting-Endpoints) with copy buttons and notes.
import { useProject } from "../hooks/project.tsx";
import { useTitle } from "../hooks/useTitle.ts";
import { CodeBlock } from "../components/CodeBlock.tsx";
import { Link, pathFor } from "../lib/router.tsx";
import { ScriptsInstallCard } from "./scripts/ScriptsInstallCard.tsx";

export function InstallPage() {
  const { project } = useProject();
  useTitle("Install", project.name);
  const install = project.install;
  // Reporting-Endpoints is only worth pasting when Cinch is on HTTPS (the server leaves it out of `headers` then).
  const withEndpoints = install.headers.some((h) => h.startsWith("Reporting-Endpoints:"));
  // With the script inventory's opt-in over HTTPS, Integrity-Policy-Report-Only is a third line (#18).
  const count = install.headers.length;
  const these = count === 2 ? "these two response headers" : `these ${count} response headers`;
  return (
    <section aria-labelledby="install-title">
      <div className="page-head">
        <h2 id="install-title">Install</h2>
      </div>
      <p className="lead">
        Add {withEndpoints ? these : "this response header"} to the pages you want to watch. Nothing is
        blocked: browsers only report what this policy would block.
      </p>
      <div className="card">
        <h3 className="card-title">1. {withEndpoints ? "Headers" : "Header"} to paste</h3>
        {withEndpoints && (
          <CodeBlock
            id="install-all"
            label={count === 2 ? "Both headers" : `All ${count} headers`}
            text={install.headers.join("\n")}
          />
        )}
        <CodeBlock
          id="install-ro"
          label="Content-Security-Policy-Report-Only"
          text={install.reportOnlyPolicy}
        />
        {withEndpoints && (
          <CodeBlock id="install-re" label="Reporting-Endpoints" text={install.reportingEndpoints} />
        )}
      </div>
      <div className="card">
        <h3 className="card-title">2. Good to know</h3>
        <ul className="notes">
          {install.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
        <CodeBlock id="install-uri" label="Report URL (report-uri)" text={install.reportUri} />
      </div>
      <div className="card">
        <h3 className="card-title">3. Watch reports arrive</h3>
        <p>
          Open the <Link to={pathFor("live", { id: project.id })}>live tail</Link>, then load one of your
          pages. Once reports collect, the{" "}
          <Link to={pathFor("policy", { id: project.id })}>policy builder</Link> proposes a policy from them.
        </p>
      </div>
      <ScriptsInstallCard />
    </section>
  );
}
