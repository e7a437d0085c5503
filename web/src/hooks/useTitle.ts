// Document title per page ("Violations · shop · Cinch").
import { useEffect } from "react";
import { showBidiControls } from "../components/Untrusted.tsx";

/** Set the title; parts may be report data (a blocked URL), and a title cannot isolate: controls are shown. */
export function useTitle(...parts: (string | undefined)[]): void {
  const title = [...parts.filter(Boolean).map((p) => showBidiControls(p!)), "Cinch"].join(" · ");
  useEffect(() => {
    document.title = title;
  }, [title]);
}
