// Fuzz target: JSON bodies of the write API (POST projects, PATCH settings, the policy endpoints): never a 5xx,
// always {error, message} for a refusal (with field and line where one input caused it, #16).
import fc from "fast-check";
import { startTestApp, api } from "../../helpers/app.ts";
import type { FuzzTarget } from "../target.ts";
import { hostileString, INHERITED_NAMES } from "../gen/reports.ts";

type Input = { route: number; body: string; contentType: string };

const ROUTES = [
  { method: "POST", path: () => "/api/projects" },
  { method: "PATCH", path: (id: string) => `/api/projects/${id}` },
  { method: "POST", path: (id: string) => `/api/projects/${id}/policy/build` },
  { method: "POST", path: (id: string) => `/api/projects/${id}/policy/evaluate` },
  { method: "POST", path: (id: string) => `/api/projects/${id}/policy/preview` },
  { method: "POST", path: (id: string) => `/api/projects/${id}/policy/versions` },
  { method: "POST", path: (id: string) => `/api/projects/${id}/policy/versions/1/state` },
] as const;

const POLICIES = [
  "default-src 'self'",
  "script-src a>b",
  "script-src https://[::1",
  "img-src x:y:z *.",
  "script-src 'nonce-\u202e'; constructor 'self'; __proto__ *",
  "default-src 'none'; script-src 'sha256-AAAA' 'strict-dynamic'",
];

const value: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(...POLICIES),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const settings = fc.dictionary(
  fc.constantFrom(
    "ignoreRules",
    "sampleRate",
    "dailyCap",
    "allowedOrigins",
    "evidenceThreshold",
    ...INHERITED_NAMES,
  ),
  fc.oneof(
    value,
    fc.dictionary(fc.constantFrom("hosts", "schemes", "sampleContains", ...INHERITED_NAMES), value, {
      maxKeys: 3,
    }),
  ),
  { maxKeys: 4 },
);

const object = fc.dictionary(
  fc.constantFrom(
    "name",
    "settings",
    "policy",
    "notes",
    "state",
    "windowDays",
    "nonce",
    "hashVersions",
    ...INHERITED_NAMES,
  ),
  fc.oneof(value, settings),
  { maxKeys: 5 },
);

const arbitrary: fc.Arbitrary<Input> = fc.record({
  route: fc.nat(ROUTES.length - 1),
  body: fc.oneof(
    { weight: 6, arbitrary: object.map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
  ),
  contentType: fc.constantFrom(
    "application/json",
    "application/json",
    "APPLICATION/JSON; charset=utf-8",
    "text/plain",
  ),
});

/** The API-bodies target: one app and project for the whole run. */
export const target: FuzzTarget<Input> = {
  name: "api-bodies",
  testRuns: 1000,
  arbitrary,
  setup: async () => {
    const t = await startTestApp();
    const p = (await (await api(t, "POST", "/api/projects", { name: "fuzz" })).json()) as { id: string };
    const check = async ({ route, body, contentType }: Input) => {
      const r = ROUTES[route]!;
      const res = await fetch(`${t.url}${r.path(p.id)}`, {
        method: r.method,
        headers: { ...t.auth, "Content-Type": contentType },
        body,
      });
      const answer = await res.text();
      if (res.status >= 500)
        throw new Error(`${r.method} ${r.path(":id")} → ${res.status}: ${answer.slice(0, 300)}`);
      if (res.status >= 400) {
        const json = JSON.parse(answer) as Record<string, unknown>;
        // error and message; where one input caused it, the field and the list line too (#16), nothing else.
        const keys = Object.keys(json).filter((k) => k !== "field" && k !== "line");
        if (keys.sort().join() !== "error,message") throw new Error(`error shape: ${answer.slice(0, 200)}`);
        if ("field" in json && typeof json.field !== "string")
          throw new Error(`field: ${answer.slice(0, 200)}`);
        if ("line" in json && !Number.isInteger(json.line)) throw new Error(`line: ${answer.slice(0, 200)}`);
      }
      if (({} as Record<string, unknown>)["polluted"] !== undefined) throw new Error("prototype polluted");
    };
    return { check, teardown: () => t.close() };
  },
};
