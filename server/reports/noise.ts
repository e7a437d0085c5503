// Noise: reports caused by extensions, injected software or the browser itself, plus project ignore rules.
import { z } from "zod";
import type { IgnoreRules, NoiseReason, Violation } from "./types.ts";
import { hostOf, portOf, schemeOf } from "./url.ts";
import { isDirectiveName, MAX_SAMPLE_LENGTH } from "./normalize.ts";
import { INJECTOR_HOSTS_BY_SOURCE } from "./injector-hosts.ts";

/**
 * Schemes of browser extensions and software that injects into pages (Sentry/Relay's list, see
 * docs/architecture.md "Reports in the wild"). Matched with or without "://": Firefox 49 sent a bare `chrome-extension`.
 */
export const EXTENSION_SCHEMES = [
  "chrome-extension",
  "moz-extension",
  "safari-extension",
  "safari-web-extension",
  "webkit-masked-url", // Safari masks extension URLs
  "ms-browser-extension", // also what Kaspersky's injection reports as
  "chromeinvoke",
  "chromeinvokeimmediate",
  "chromenull",
  "mxaddon-pkg",
  "mxjscall",
  "mx",
  "mbinit",
  "tmtbff",
  "symres",
  "sraf",
  "gsa",
  "jar",
  "webviewprogress",
  "webviewprogressproxy",
  "sinaweibo",
  "nativebaiduhd",
  "bdvideo",
  "wvjbscheme",
  "none",
  "res",
  "ms-appx",
  "ms-appx-web",
] as const;

/** Schemes of the browser's own pages and resources: never something a site's policy should allow. */
export const BROWSER_INTERNAL_SCHEMES = [
  "about", // about:blank, about:srcdoc; Chrome sends a bare "about"
  "chrome",
  "chrome-error", // chrome-error://chromewebdata/ documents
  "resource",
  "view-source", // Firefox's view-source source-file
  "opera",
  "android-webview",
  "safari-resource",
] as const;

/**
 * Signatures of code that password managers, developer tools, ad blockers and adware inject into pages, matched
 * anywhere in a sample (Firefox prefixes "..." or whitespace; a page may wrap it). Case-sensitive: it is code.
 * NelmioSecurityBundle's InjectedScriptsNoiseDetector patterns (MIT), less the ones ordinary page code also
 * contains (`Object.defineProperty`, `var fake`, `jQuery JavaScript`, ...).
 */
export const INJECTOR_SAMPLE_SIGNATURES = [
  "var lastpass_it", // LastPass
  "installGlobalHook(window)", // React DevTools
  "(function injected(eventName, injectedIn",
  "window.devToolsOptions",
  "window.oldSetTimeout=window.setTimeout",
  "_PostRPC()",
  "AG_onLoad", // AdGuard
  "var FuckAdBlo", // anti-adblock injectors
  "var BlockAdBlo",
  "safeWindow:{}",
  " abNoOp",
  ".Wondersh", // Wondershare
  "videodownload2",
  "jq_relocation",
] as const;

const INJECTOR_HOSTS: ReadonlySet<string> = new Set(Object.values(INJECTOR_HOSTS_BY_SOURCE).flat());

/**
 * The blocked host of the dashboard's test reports (#16): under .invalid, which no real resource can have (RFC 2606
 * reserves it), so a report naming it was sent to test the endpoint, by Cinch or by someone holding the report URL.
 */
export const TEST_REPORT_HOST = "test-report.cinch.invalid";

const EXTENSION: ReadonlySet<string> = new Set(EXTENSION_SCHEMES);
const INTERNAL: ReadonlySet<string> = new Set(BROWSER_INTERNAL_SCHEMES);

/**
 * Why a violation is noise, or null when it is actionable. A name outside the CSP vocabulary wins (such a
 * report says nothing a policy can use); extension wins over injector (an extension's own scheme is the surer
 * sign) and both over browser-internal: an extension acting on about:blank is still the extension's doing.
 */
export function classifyNoise(v: Violation): NoiseReason | null {
  if (!isDirectiveName(v.directive)) return "unknown-directive";
  if (hostOf(v.blocked) === TEST_REPORT_HOST) return "test-report";
  const blockedScheme = schemeOf(v.blocked);
  const sourceScheme = schemeOf(v.sourceFile);
  if (EXTENSION.has(blockedScheme) || EXTENSION.has(sourceScheme)) return "extension";
  if (v.sample !== "" && sampleLooksInjected(v.sample)) return "extension";
  if (isInjectorHost(hostOf(v.blocked)) || isInjectorHost(hostOf(v.sourceFile))) return "injector";
  if (INTERNAL.has(blockedScheme) || INTERNAL.has(sourceScheme) || INTERNAL.has(schemeOf(v.documentUrl))) {
    return "browser-internal";
  }
  return null;
}

/**
 * Is the host, or a parent domain of it, on the injector list (injector-hosts.ts)? One Set lookup per label:
 * "a.b.superfish.com" tries itself, "b.superfish.com", "superfish.com" and "com". A trailing dot (a fully
 * qualified name the URL parser keeps) is ignored.
 */
export function isInjectorHost(host: string): boolean {
  let h = host.endsWith(".") ? host.slice(0, -1) : host;
  if (h === "" || h.startsWith("[")) return false;
  for (;;) {
    if (INJECTOR_HOSTS.has(h)) return true;
    const dot = h.indexOf(".");
    if (dot === -1) return false;
    h = h.slice(dot + 1);
  }
}

// Samples are text, so a bare word like "res" or "none" would match ordinary code: in samples only
// "<scheme>://" counts (e.g. Firefox's `background-image: url(moz-extension://...`). Bounded: the sample is cut
// to MAX_SAMPLE_LENGTH, signatures are plain substrings (indexOf, no regex), and each "://" is looked at once, its
// scheme walked back at most 32 characters, so the cost is O(sample × signatures) at worst, a few thousand steps.
function sampleLooksInjected(raw: string): boolean {
  const sample = raw.length > MAX_SAMPLE_LENGTH ? raw.slice(0, MAX_SAMPLE_LENGTH) : raw;
  for (const signature of INJECTOR_SAMPLE_SIGNATURES) if (sample.includes(signature)) return true;
  let at = sample.indexOf("://");
  while (at !== -1) {
    let start = at;
    while (start > 0 && at - start < 32 && isSchemeChar(sample.charCodeAt(start - 1))) start--;
    if (start < at && EXTENSION.has(sample.slice(start, at).toLowerCase())) return true;
    at = sample.indexOf("://", at + 3);
  }
  return false;
}

function isSchemeChar(c: number): boolean {
  const l = c | 0x20;
  return (l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

// Ignore-rule host patterns: "cdn.example.com", "*.example.com", optional ":port". Each repeated group
// starts with a literal ".", so the regex cannot backtrack.
const HOST_RULE = /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*(:\d{1,5})?$/;

/** The host (and port) of a URL, or null when it is not one. */
function hostOfUrl(s: string): string | null {
  try {
    return new URL(s).host || null;
  } catch {
    return null;
  }
}

const hostRule = z
  .string()
  .trim()
  .toLowerCase()
  .max(260)
  .transform((s0, ctx) => {
    // A pasted URL ("https://ads.example.net/x.js") means its host (and port): #16.
    const s = s0.includes("://") ? (hostOfUrl(s0) ?? s0) : s0;
    // IDN rules are stored in punycode, like normalized hosts (WHATWG URL's domain-to-ASCII).
    let ascii = s;
    if (!/^[\x20-\x7e]*$/.test(s)) {
      try {
        const wild = s.startsWith("*.");
        ascii = (wild ? "*." : "") + new URL(`http://${wild ? s.slice(2) : s}`).host;
      } catch {
        ascii = s;
      }
    }
    if (!HOST_RULE.test(ascii)) {
      ctx.addIssue({
        code: "custom",
        message: `use a host like ads.example.net or *.example.net, not "${s0.slice(0, 64)}"`,
      });
      return z.NEVER;
    }
    return ascii;
  });

const schemeRule = z
  .string()
  .trim()
  .toLowerCase()
  .transform((s) => (s.endsWith("://") ? s.slice(0, -3) : s.endsWith(":") ? s.slice(0, -1) : s))
  .pipe(z.string().regex(/^[a-z][a-z0-9+.-]{0,31}$/, "use a scheme like moz-extension"));

/** The project setting for ignore rules: bounded lists of bounded strings, empty lists by default. */
export const ignoreRulesSchema = z.object({
  hosts: z.array(hostRule).max(200).default([]),
  schemes: z.array(schemeRule).max(100).default([]),
  sampleContains: z.array(z.string().min(1).max(256)).max(100).default([]),
}) satisfies z.ZodType<IgnoreRules, unknown>;

type CompiledRules = {
  /** host is ".example.com" for wildcards (suffix match); port null = any port. */
  rules: { host: string; wildcard: boolean; port: string | null }[];
  schemes: ReadonlySet<string>;
  samples: string[];
};

// Rules are a per-project setting applied to every report: compile once per rules object.
const compiled = new WeakMap<IgnoreRules, CompiledRules>();

function compile(rules: IgnoreRules): CompiledRules {
  const hit = compiled.get(rules);
  if (hit !== undefined) return hit;
  const out: CompiledRules = {
    rules: rules.hosts.map((raw) => {
      const pattern = raw.trim().toLowerCase();
      const wildcard = pattern.startsWith("*.");
      const body = wildcard ? pattern.slice(1) : pattern; // keep the leading "." for suffix matching
      const colon = body.lastIndexOf(":");
      const hasPort = colon !== -1 && !body.endsWith("]");
      return {
        host: hasPort ? body.slice(0, colon) : body,
        wildcard,
        port: hasPort ? body.slice(colon + 1) : null,
      };
    }),
    schemes: new Set(rules.schemes.map((s) => s.trim().toLowerCase().replace(/:\/*$/, ""))),
    samples: rules.sampleContains.map((s) => s.toLowerCase()).filter((s) => s !== ""),
  };
  compiled.set(rules, out);
  return out;
}

/**
 * The violation marked noise "ignore-rule" when a project rule matches: a host pattern against the blocked
 * URL or source file (CSP semantics: "*.example.com" matches subdomains only; no port = any port), a scheme
 * against blocked / source file, a case-insensitive substring against the sample. Built-in noise is kept.
 */
export function applyIgnoreRules(v: Violation, rules: IgnoreRules): Violation {
  if (v.noise !== null) return v;
  const c = compile(rules);
  if (matches(v, c)) return { ...v, noise: "ignore-rule" };
  return v;
}

function matches(v: Violation, c: CompiledRules): boolean {
  if (c.schemes.size > 0 && (c.schemes.has(schemeOf(v.blocked)) || c.schemes.has(schemeOf(v.sourceFile)))) {
    return true;
  }
  if (c.rules.length > 0 && (hostMatches(v.blocked, c) || hostMatches(v.sourceFile, c))) return true;
  if (c.samples.length > 0 && v.sample !== "") {
    const sample = v.sample.toLowerCase();
    for (const s of c.samples) if (sample.includes(s)) return true;
  }
  return false;
}

function hostMatches(url: string, c: CompiledRules): boolean {
  const host = hostOf(url);
  if (host === "") return false;
  const port = portOf(url);
  for (const r of c.rules) {
    const hostOk = r.wildcard ? host.endsWith(r.host) && host.length > r.host.length : host === r.host;
    if (hostOk && (r.port === null || r.port === port)) return true;
  }
  return false;
}
