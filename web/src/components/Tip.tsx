// A term with its explanation shown on hover and on keyboard focus (a CSS tooltip), and given to screen readers
// as the term's description. The text is React text: ids and labels from the server are never parsed as HTML.
import { useId, type ReactNode } from "react";

export function Tip({ children, text }: { children: ReactNode; text: string }) {
  const id = `tip${useId().replace(/[^a-zA-Z0-9_-]/g, "")}`;
  return (
    <span className="tip" tabIndex={0} aria-describedby={id}>
      {children}
      <span role="tooltip" id={id} className="tip-text">
        {text}
      </span>
    </span>
  );
}
