// Preformatted text (a header, a policy, an export) with a label and a copy button.
import { CopyButton } from "./CopyButton.tsx";
import { Untrusted } from "./Untrusted.tsx";

export function CodeBlock({ label, text, id }: { label: string; text: string; id?: string }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span className="code-label" id={id}>
          {label}
        </span>
        <CopyButton text={text} label={`Copy ${label}`} />
      </figcaption>
      <pre tabIndex={0} aria-labelledby={id}>
        <code>
          <Untrusted text={text} />
        </code>
      </pre>
    </figure>
  );
}
