// Text a report or a user chose (samples, URLs, pages, directive names, project names, policy text), rendered
// so that bidi controls in it cannot reorder what Cinch writes around it (#11 item 10).

/**
 * An attacker-controlled value, isolated in a `<bdi>`: the HTML dir-isolate element gives it
 * `unicode-bidi: isolate`, and an override (U+202E) or embedding inside it ends at its edge (UAX #9 X6a),
 * so the sentence around it keeps its order. Its own controls are shown, not obeyed: a blocked
 * "https://x/\u202egnp.exe" must not read as "exe.png". `data-untrusted` lets the hostile-render tests find
 * every one.
 */
export function Untrusted({ text, className }: { text: string; className?: string }) {
  return (
    <bdi className={className} data-untrusted="">
      {showBidiControls(text)}
    </bdi>
  );
}

// U+202A–U+202E (embeddings, overrides), U+2066–U+2069 (isolates), U+200E/U+200F (marks), U+061C (ALM).
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** The bidi controls of `text` replaced by visible code points (⟦U+202E⟧): for server sentences quoting a value. */
export function showBidiControls(text: string): string {
  return text.replace(
    BIDI_CONTROLS,
    (c) => `⟦U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟧`,
  );
}

/** Props for an element that is itself an untrusted value (`<ins>`, `<del>`): isolated by the stylesheet. */
export const untrustedProps = { "data-untrusted": "" } as const;

/**
 * A sentence Cinch wrote that quotes report data (a suggestion's reason, a decision's risk): the quoted
 * values are inside the server's text, so they cannot be wrapped one by one; their bidi controls are shown
 * instead of obeyed, and the sentence as a whole is isolated from the words around it.
 */
export function Sentence({ text }: { text: string }) {
  return <bdi data-untrusted="">{showBidiControls(text)}</bdi>;
}
