// Document title per page ("Violations · shop · Cinch").
import { useEffect } from "react";

export function useTitle(...parts: (string | undefined)[]): void {
  const title = [...parts.filter(Boolean), "Cinch"].join(" · ");
  useEffect(() => {
    document.title = title;
  }, [title]);
}
