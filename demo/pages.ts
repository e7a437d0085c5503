// The demo shop's content: two pages that use one of each thing a CSP governs, and the scripts that check
// (in the page itself) that each of them worked, so a human and the e2e test read the same verdicts.
import { DEMO_FONT_FAMILY } from "./font.ts";

/** Where the demo's resources live. */
export type DemoOrigins = { site: string; cdn: string; api: string; ads: string; pay: string };

/** The page's own inline script: short and without surrounding whitespace, so its report sample is all of it. */
export const INLINE_SCRIPT = "window.inlineRan=true";
/** The inline style attribute (style-src-attr). */
export const INLINE_STYLE = "color:teal";
/** The code the page evals (script-src 'unsafe-eval'). */
export const EVAL_CODE = "6*7";

/** The demo's pages (path → title). */
export const DEMO_PAGES: Record<string, string> = { "/": "Home", "/cart": "Cart" };

// A data: URL image (img-src data:): an SVG logo.
const LOGO =
  "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="120" height="32" rx="6" fill="#2a6"/>' +
      '<text x="60" y="21" font-family="sans-serif" font-size="14" fill="#fff" text-anchor="middle">cinch shop</text></svg>',
  );

const escape = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The shop's demo controls: links that add or remove the second turn's new origin and the injected script. */
function controls(o: DemoOrigins, opts: { payments: boolean; extraScript: boolean }): string {
  const toggle = (param: string, on: boolean, add: string, remove: string) =>
    `<a href="/demo/set?${param}=${on ? "off" : "on"}">${on ? remove : add}</a>`;
  return `<ul id="controls">
<li>${toggle("payments", opts.payments, "Ship the payment widget", "Remove the payment widget")} — the shop's own new feature: a script from a new origin, ${escape(o.pay)}</li>
<li>${toggle("injected", opts.extraScript, "Inject an unwanted script", "Remove the injected script")} — what an ad injector or a skimmer adds: a script from ${escape(o.ads)}</li>
</ul>`;
}

/**
 * One HTML page. `mode` (the headers it is served with) is shown to the visitor; `payments` adds the second
 * turn's payment widget (a new origin), `extraScript` an injected third-party script.
 */
export function pageHtml(
  path: string,
  o: DemoOrigins,
  opts: { mode: string; extraScript: boolean; payments: boolean },
): string {
  const title = DEMO_PAGES[path] ?? "Page";
  const nav = Object.entries(DEMO_PAGES)
    .map(([p, t]) => `<a href="${p}">${t}</a>`)
    .join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Cinch demo shop · ${title}</title>
<link rel="stylesheet" href="/app.css">
<script>${INLINE_SCRIPT}</script>
<script src="${o.cdn}/lib.js"></script>
${opts.payments ? `<script id="pay" src="${o.pay}/checkout.js"></script>\n` : ""}${opts.extraScript ? `<script id="extra" src="${o.ads}/track.js"></script>\n` : ""}<script src="/app.js" defer></script>
</head>
<body>
<header><img id="logo" alt="cinch shop" src="${LOGO}"> <nav>${nav}</nav></header>
<h1>${title}</h1>
<p class="notice" style="${INLINE_STYLE}">This page is served with <code>${escape(opts.mode)}</code>.</p>
<p class="font-sample" title="${DEMO_FONT_FAMILY} from the CDN">ABC</p>
<iframe id="widget" src="${o.cdn}/widget.html" title="Reviews widget" width="320" height="60"></iframe>
<h2>Checks</h2>
<ul id="checks"><li>running…</li></ul>
<p>Eval: <span id="eval">…</span>. Injected script: <span id="extra-state">…</span>.</p>
<h2>Demo controls</h2>
${controls(o, opts)}
</body>
</html>
`;
}

/** The same-origin stylesheet: a marker property, and the CDN font. */
export function appCss(o: DemoOrigins): string {
  return `:root { --demo-css: loaded; }
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 48rem; }
header { display: flex; gap: 1rem; align-items: center; }
@font-face { font-family: "${DEMO_FONT_FAMILY}"; src: url("${o.cdn}/font.ttf") format("truetype"); }
.font-sample { font-family: "${DEMO_FONT_FAMILY}", monospace; font-size: 24px; }
.ok { color: #060; } .fail { color: #b00; }
`;
}

/**
 * The page's main script: runs every functional check and publishes the verdicts as
 * `window.demoChecks` (a promise of {name: {ok, detail}}), `window.demoEval` and `window.demoExtra`.
 */
export function appJs(o: DemoOrigins): string {
  return `"use strict";
(() => {
  const within = (ms, p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error("timed out")), ms))]);
  const checks = {
    "same-origin script": async () => "ran",
    "same-origin stylesheet": async () => {
      const v = getComputedStyle(document.documentElement).getPropertyValue("--demo-css").trim();
      if (v !== "loaded") throw new Error("not applied");
      return "applied";
    },
    "inline script": async () => {
      if (window.inlineRan !== true) throw new Error("did not run");
      return "ran";
    },
    "inline style attribute": async () => {
      const c = getComputedStyle(document.querySelector(".notice")).color;
      if (c !== "rgb(0, 128, 128)") throw new Error("color is " + c);
      return c;
    },
    "CDN script": async () => {
      if (!window.cdnLib) throw new Error("did not run");
      return "version " + window.cdnLib.version;
    },
    "CDN font": async () => {
      await document.fonts.load("24px ${DEMO_FONT_FAMILY}").catch(() => []);
      const face = [...document.fonts].find((f) => f.family.replace(/"/g, "") === "${DEMO_FONT_FAMILY}");
      if (!face || face.status !== "loaded") throw new Error("status " + (face ? face.status : "missing"));
      return "loaded";
    },
    "data: image": async () => {
      const img = document.getElementById("logo");
      if (!img.complete) await new Promise((r) => { img.onload = r; img.onerror = r; });
      if (img.naturalWidth === 0) throw new Error("not loaded");
      return img.naturalWidth + "x" + img.naturalHeight;
    },
    "API fetch": async () => {
      const res = await fetch("${o.api}/api/hello");
      const body = await res.json();
      return body.hello;
    },
    "web worker": () =>
      new Promise((resolve, reject) => {
        const w = new Worker("/worker.js");
        w.onmessage = (e) => resolve(e.data);
        w.onerror = () => reject(new Error("worker failed"));
        w.postMessage("ping");
      }),
    // Ping until the widget answers: a message to a frame still showing about:blank is dropped.
    "iframe": () =>
      new Promise((resolve) => {
        const frame = document.getElementById("widget");
        const ping = () => frame.contentWindow.postMessage("ping", "${o.cdn}");
        const timer = setInterval(ping, 100);
        addEventListener("message", (e) => {
          if (e.origin !== "${o.cdn}" || !e.data || e.data.widget !== "ready") return;
          clearInterval(timer);
          resolve("answered");
        });
        ping();
      }),
  };
  // The second turn's payment widget is checked where the page includes it.
  if (document.getElementById("pay")) {
    checks["payment widget (new origin)"] = async () => {
      if (!window.payWidget) throw new Error("did not run");
      return "ready";
    };
  }
  let evalState;
  try {
    evalState = eval("${EVAL_CODE}") === 42 ? "ran" : "wrong result";
  } catch (e) {
    evalState = e instanceof EvalError ? "blocked" : "error: " + e;
  }
  window.demoEval = evalState;
  window.demoExtra = document.getElementById("extra") ? (window.adsRan ? "ran" : "blocked") : "absent";
  document.getElementById("eval").textContent = window.demoEval;
  document.getElementById("extra-state").textContent = window.demoExtra;
  window.demoChecks = (async () => {
    const out = {};
    await Promise.all(Object.entries(checks).map(async ([name, run]) => {
      try {
        out[name] = { ok: true, detail: String(await within(5000, run())) };
      } catch (e) {
        out[name] = { ok: false, detail: e && e.message ? e.message : String(e) };
      }
    }));
    const ul = document.getElementById("checks");
    ul.replaceChildren(...Object.keys(checks).map((name) => {
      const li = document.createElement("li");
      li.className = out[name].ok ? "ok" : "fail";
      li.textContent = (out[name].ok ? "✓ " : "✗ ") + name + ": " + out[name].detail;
      return li;
    }));
    return out;
  })();
})();
`;
}

/** The same-origin dedicated worker. */
export const WORKER_JS = `onmessage = (e) => postMessage(e.data === "ping" ? "pong" : "?");\n`;

/** The CDN's library. */
export const CDN_LIB_JS = `window.cdnLib = { version: "1.2.3" };\n`;

/** The CDN's embeddable widget (framed by the shop): answers its parent's ping. */
export function widgetHtml(): string {
  return `<!doctype html><meta charset="utf-8"><title>Reviews</title>
<body style="margin:0;font:14px sans-serif">★★★★☆ 128 reviews
<script>addEventListener("message", (e) => { if (e.data === "ping") e.source.postMessage({ widget: "ready" }, e.origin); });</script>
</body>
`;
}

/** The injected third-party script: nobody on the shop's team added it. */
export const ADS_JS = `window.adsRan = true;\n`;

/** The payment provider's script: the second turn's legitimate new origin. */
export const PAY_JS = `window.payWidget = { ready: true };\n`;
