// Generators of hostile ingest bodies for the fuzz targets: generated reports in every wire shape, mutations of the
// reference corpus, inherited-name keys, bidi and control characters, deep nesting, numbers as strings, huge strings.
import fc from "fast-check";
import { loadCases } from "../../reports/corpus.ts";

/** Keys that name inherited Object.prototype members or reach the prototype. */
export const INHERITED_NAMES = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "__defineGetter__",
] as const;

const SPELLINGS = [
  "document-uri",
  "documentURL",
  "document-url",
  "blocked-uri",
  "blockedURL",
  "effective-directive",
  "effectiveDirective",
  "violated-directive",
  "violatedDirective",
  "original-policy",
  "originalPolicy",
  "disposition",
  "source-file",
  "sourceFile",
  "line-number",
  "lineNumber",
  "column-number",
  "columnNumber",
  "status-code",
  "statusCode",
  "script-sample",
  "sample",
  "referrer",
];

const DIRECTIVES = [
  "script-src",
  "script-src-elem",
  "script-src-attr",
  "style-src",
  "img-src",
  "default-src",
  "frame-ancestors",
  "require-trusted-types-for",
  "'unsafe-inline'",
  "blink-src",
  "<img",
  'style-src-elem"><svg onload=alert(1)>',
  "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
];

const BLOCKED = [
  "",
  "self",
  "'self'",
  "inline",
  "eval",
  "wasm-eval",
  "trusted-types-sink",
  "data:image/png;base64,AAAA",
  "blob:https://a.example/1",
  "chrome-extension://abc/x.js",
  "https://user:pw@CDN.example.com:443/x.js?token=s#f",
  "https://[::1",
  "http://xn--n3h.example/",
  "https://\u202eevil.example/",
];

/** Strings an attacker would try: inherited names, bidi overrides, controls, lone surrogates, huge values. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 64 }) },
  { weight: 2, arbitrary: fc.constantFrom(...INHERITED_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...DIRECTIVES, ...BLOCKED) },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.constantFrom(
          "\u202e",
          "\u2066",
          "\u200f",
          "\u0000",
          "\u001b[31m",
          "\ud800",
          "\udfff",
          "\ufeff",
          "a",
          "<",
          '"',
        ),
        {
          maxLength: 40,
        },
      )
      .map((a) => a.join("")),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: -1e6, max: 1e16 }).map(String) },
);

/** A JSON-ish value of any type, strings drawn from hostileString, nesting bounded. */
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...SPELLINGS)), tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** One report's fields: known spellings, inherited names and junk keys, with hostile or plausible values. */
export const reportFields: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...SPELLINGS) },
    { weight: 2, arbitrary: fc.constantFrom(...INHERITED_NAMES) },
    { weight: 1, arbitrary: hostileString },
  ),
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...DIRECTIVES, ...BLOCKED) },
    { weight: 3, arbitrary: hostileValue },
  ),
  { maxKeys: 12 },
);

/** A report in one of the wire shapes browsers send (or an attacker's variation of them). */
export const reportEntry: fc.Arbitrary<unknown> = fc.oneof(
  reportFields.map((f) => ({ "csp-report": f })),
  reportFields,
  fc
    .record({
      type: fc.constantFrom("csp-violation", "csp", "deprecation", "constructor", ""),
      url: hostileString,
      user_agent: hostileString,
      body: fc.oneof(reportFields, hostileValue),
    })
    .map((r) => r as unknown),
  hostileValue,
);

/** A whole body as text: one entry, a batch, or a nesting bomb. */
const generatedBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: reportEntry.map((e) => JSON.stringify(e) ?? "null") },
  { weight: 3, arbitrary: fc.array(reportEntry, { maxLength: 120 }).map((a) => JSON.stringify(a)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 50_000 }), fc.constantFrom("[", '{"csp-report":', '{"a":'))
      .map(([n, open]) => open.repeat(n) + "1" + (open === "[" ? "]" : "}").repeat(n)),
  },
);

const corpus = loadCases().map((c) => c.raw);

/** A corpus body, mutated: a value replaced, a key renamed, text cut, or a character inserted. */
const mutatedCorpus: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.constantFrom("replace", "rename", "truncate", "insert"),
    fc.nat(),
    hostileString,
    hostileValue,
  )
  .map(([raw, op, at, text, value]) => {
    if (op === "truncate") return raw.slice(0, at % (raw.length + 1));
    if (op === "insert") {
      const i = at % (raw.length + 1);
      return raw.slice(0, i) + text + raw.slice(i);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return raw;
    }
    mutate(parsed, at, op, text, value);
    return JSON.stringify(parsed) ?? "null";
  });

// Walk to the at-th object in the value and replace or rename one of its keys (Object.defineProperty, so that
// "__proto__" becomes an own key as JSON.parse would make it).
function mutate(root: unknown, at: number, op: string, text: string, value: unknown): void {
  const objects: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (typeof v !== "object" || v === null) return;
    if (!Array.isArray(v)) objects.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) walk(child);
  };
  walk(root);
  const target = objects[at % Math.max(1, objects.length)];
  if (target === undefined) return;
  const keys = Object.keys(target);
  const key = keys[at % Math.max(1, keys.length)] ?? text;
  const define = (k: string, v: unknown) =>
    Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (op === "replace") define(key, value);
  else {
    const old = target[key];
    Reflect.deleteProperty(target, key);
    define(text, old);
  }
}

/** Content-Type headers: the three accepted media types with and without parameters, and junk. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom("application/csp-report", "application/reports+json", "application/json"),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "APPLICATION/CSP-REPORT; charset=utf-8",
      "application/json;charset=ISO-8859-1",
      "text/plain",
      "application/csp-report; boundary=\u202e",
      "",
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A body to post: generated, a corpus mutation, or a corpus case as is. */
export const ingestBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: generatedBody },
  { weight: 4, arbitrary: mutatedCorpus },
  { weight: 1, arbitrary: fc.constantFrom(...corpus) },
);
