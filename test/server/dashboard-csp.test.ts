// Cinch's own CSP names a report-to group only for an HTTPS endpoint (else Chromium would send nothing at all).
import { expect, test } from "vitest";
import { dashboardCsp } from "../../server/http/headers.ts";

test.each([
  { uri: null, reporting: "" },
  { uri: "http://127.0.0.1:8787/r/k", reporting: "; report-uri http://127.0.0.1:8787/r/k" },
  {
    uri: "https://csp.example.com/r/k",
    reporting: "; report-uri https://csp.example.com/r/k; report-to cinch-self",
  },
])("$uri", ({ uri, reporting }) => {
  expect(dashboardCsp(uri)).toBe(
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
      "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'" +
      reporting,
  );
});
