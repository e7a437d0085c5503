// A stable colour per directive, shared by the chart (canvas needs real colours) and the legend swatches.

/** Colour-blind-friendly palette (Okabe–Ito, extended), readable on white. */
export const PALETTE = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#d55e00",
  "#56b4e9",
  "#8c6d31",
  "#6a3d9a",
  "#b8a000",
  "#4d4d4d",
] as const;

const KNOWN = [
  "script-src",
  "style-src",
  "img-src",
  "connect-src",
  "font-src",
  "frame-src",
  "media-src",
  "object-src",
  "worker-src",
  "manifest-src",
];

/** Colour of a directive: well-known directives get fixed colours, others a hash-picked one. */
export function directiveColor(directive: string): string {
  const base = directive.replace(/-(elem|attr)$/, "");
  const known = KNOWN.indexOf(base);
  if (known >= 0) return PALETTE[known % PALETTE.length]!;
  let h = 0;
  for (const ch of directive) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}
