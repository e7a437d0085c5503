// The exact header lines to deploy after a state change, each named (enforced / report-only, which version), with
// a copy button: a state change in Cinch only records the rollout, the site changes when these are deployed.
import { useId } from "react";
import { CopyButton } from "./CopyButton.tsx";
import { Untrusted } from "./Untrusted.tsx";

/** One header line: its name, and the version its report URL is tagged with (?v=N), if any. */
export type HeaderLine = { name: string; version: number | null };

/** The header lines of an export in header format ("Name: value" per line). */
export function headerLines(text: string): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s/.exec(line);
    if (!m) continue;
    const v = /[?&]v=(\d+)/.exec(line);
    out.push({ name: m[1]!, version: v ? Number(v[1]) : null });
  }
  return out;
}

function describe(h: HeaderLine): string {
  const which = h.version === null ? "" : ` version ${h.version}`;
  switch (h.name.toLowerCase()) {
    case "content-security-policy":
      return `enforced${which}: browsers block what it does not allow`;
    case "content-security-policy-report-only":
      return `report-only${which}: browsers only report what it would block`;
    case "reporting-endpoints":
      return "where browsers send reports (Reporting API)";
    default:
      return "companion header";
  }
}

export function DeployHeaders({
  title,
  text,
  onDismiss,
}: {
  title: string;
  text: string;
  onDismiss?: () => void;
}) {
  const id = useId();
  const lines = headerLines(text);
  return (
    <section className="notice notice-success deploy-headers" aria-labelledby={`${id}-title`}>
      <h3 className="card-title" id={`${id}-title`}>
        {title}
      </h3>
      <p>
        Cinch records the rollout; your site changes when you deploy{" "}
        {lines.length === 1 ? "this header" : "these headers"} in place of the CSP headers it sends now:
      </p>
      <ul className="plain-list" aria-label="Headers to deploy">
        {lines.map((h, i) => (
          <li key={i}>
            <code>{h.name}</code> — {describe(h)}
          </li>
        ))}
      </ul>
      <pre className="code" tabIndex={0} aria-label={`${title}: header lines`}>
        <code>
          <Untrusted text={text} />
        </code>
      </pre>
      <div className="toolbar">
        <CopyButton text={text} label={lines.length === 1 ? "Copy the header" : "Copy the headers"} />
        {onDismiss ? (
          <button type="button" className="btn btn-small btn-ghost" onClick={onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
    </section>
  );
}
