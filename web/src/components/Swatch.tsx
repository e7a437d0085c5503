// A directive's colour square as SVG, with its pattern (stripes or dots) when it has one; fills are attributes,
// so no inline style is needed (CSP: style-src 'self').
import { useId } from "react";
import { directiveLook } from "../lib/colors.ts";

export function Swatch({ directive, size = 10 }: { directive: string; size?: number }) {
  // React's ids carry punctuation ("«r1»"); a pattern referenced from fill="url(#…)" wants a plain name.
  const id = `swatch${useId().replace(/[^a-zA-Z0-9_-]/g, "")}`;
  const { color, pattern } = directiveLook(directive);
  const fill = pattern === "solid" ? color : `url(#${id})`;
  return (
    <svg className="swatch" width={size} height={size} viewBox="0 0 10 10" aria-hidden="true">
      {pattern === "solid" ? null : (
        <defs>
          <pattern id={id} width="4" height="4" patternUnits="userSpaceOnUse">
            <rect width="4" height="4" fill={color} />
            {pattern === "stripes" ? (
              <path
                d="M-1,1 l2,-2 M0,4 l4,-4 M3,5 l2,-2"
                stroke="#fff"
                strokeOpacity="0.75"
                strokeWidth="0.9"
              />
            ) : (
              <circle cx="2" cy="2" r="0.8" fill="#fff" fillOpacity="0.8" />
            )}
          </pattern>
        </defs>
      )}
      <rect width="10" height="10" rx="2" fill={fill} />
    </svg>
  );
}
