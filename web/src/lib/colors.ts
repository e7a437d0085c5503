// A distinct look per directive, shared by the chart (canvas needs real colours) and the legend and table swatches:
// a colour from the Okabe–Ito and Paul Tol "muted" palettes (both designed to stay apart under the common colour
// vision deficiencies) and, for directives whose colours sit close for some viewers, a fill pattern.

/** Fill patterns: stripes and dots are drawn in white over the colour, so the colour still reads. */
const PATTERNS = ["solid", "stripes", "dots"] as const;
export type Pattern = (typeof PATTERNS)[number];

export type DirectiveLook = { color: string; pattern: Pattern };

/**
 * Fixed looks for the directives reports name most. The members of a family (script-src, -elem, -attr) get
 * different hues *and* patterns, so no two are told apart by colour alone; neighbours in this table never share
 * a hue. (Before #16 the three script-src directives shared one colour, the three style-src ones another, and
 * form-action had frame-src's.)
 */
const LOOKS: ReadonlyMap<string, DirectiveLook> = new Map([
  ["script-src-elem", { color: "#0072b2", pattern: "solid" }],
  ["script-src", { color: "#332288", pattern: "stripes" }],
  ["script-src-attr", { color: "#56b4e9", pattern: "dots" }],
  ["style-src-elem", { color: "#e69f00", pattern: "solid" }],
  ["style-src", { color: "#882255", pattern: "stripes" }],
  ["style-src-attr", { color: "#ddcc77", pattern: "dots" }],
  ["img-src", { color: "#009e73", pattern: "solid" }],
  ["connect-src", { color: "#cc79a7", pattern: "solid" }],
  ["font-src", { color: "#d55e00", pattern: "solid" }],
  ["frame-src", { color: "#44aa99", pattern: "stripes" }],
  ["form-action", { color: "#999933", pattern: "dots" }],
  ["media-src", { color: "#aa4499", pattern: "solid" }],
  ["worker-src", { color: "#117733", pattern: "stripes" }],
  ["manifest-src", { color: "#4d4d4d", pattern: "solid" }],
  ["object-src", { color: "#cc6677", pattern: "stripes" }],
  ["child-src", { color: "#88ccee", pattern: "stripes" }],
  ["frame-ancestors", { color: "#661100", pattern: "dots" }],
  ["default-src", { color: "#6699cc", pattern: "dots" }],
  ["base-uri", { color: "#8c6d31", pattern: "stripes" }],
  ["prefetch-src", { color: "#6a3d9a", pattern: "dots" }],
]);

/** Colours for directives outside LOOKS (picked by a hash of the name, with a pattern from the same hash). */
const PALETTE = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#d55e00",
  "#56b4e9",
  "#332288",
  "#882255",
  "#44aa99",
  "#999933",
  "#aa4499",
  "#4d4d4d",
] as const;

/** The look of a directive: fixed for well-known ones, hash-picked (colour and pattern) for others. */
export function directiveLook(directive: string): DirectiveLook {
  const known = LOOKS.get(directive);
  if (known) return known;
  let h = 0;
  for (const ch of directive) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { color: PALETTE[h % PALETTE.length]!, pattern: PATTERNS[Math.floor(h / PALETTE.length) % 3]! };
}

/** A canvas fill for a look: the colour, with white stripes or dots over it (8 × 8 px tile). */
export function canvasFill(
  ctx: CanvasRenderingContext2D,
  look: DirectiveLook,
  ratio = 1,
): string | CanvasPattern {
  if (look.pattern === "solid" || typeof document === "undefined") return look.color;
  const size = Math.round(8 * ratio);
  const tile = document.createElement("canvas");
  tile.width = size;
  tile.height = size;
  const t = tile.getContext("2d");
  if (!t) return look.color;
  t.fillStyle = look.color;
  t.fillRect(0, 0, size, size);
  t.fillStyle = "rgb(255 255 255 / 70%)";
  t.strokeStyle = "rgb(255 255 255 / 70%)";
  t.lineWidth = 1.5 * ratio;
  if (look.pattern === "stripes") {
    t.beginPath();
    t.moveTo(0, size);
    t.lineTo(size, 0);
    t.moveTo(-size / 2, size / 2);
    t.lineTo(size / 2, -size / 2);
    t.moveTo(size / 2, size * 1.5);
    t.lineTo(size * 1.5, size / 2);
    t.stroke();
  } else {
    t.beginPath();
    t.arc(size / 2, size / 2, 1.4 * ratio, 0, Math.PI * 2);
    t.fill();
  }
  return ctx.createPattern(tile, "repeat") ?? look.color;
}
