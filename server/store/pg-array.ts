// Array parameters of the PostgreSQL writer's multi-row statements (unnest($1::text[], …)), written as array
// literals here rather than by node-postgres: its prepareValue quotes every element, numbers included, and runs two
// regular-expression replaces on each. For one commit's arrays (~30 KB, 138 reports over 50 groups) that took
// 300-420 µs, this 110-130 µs (scratch micro-benchmark, same arrays), about 1.5 µs of node CPU per report.

/**
 * PostgreSQL's text cannot hold NUL (SQLite's can): one report carrying it would fail its whole batch. Reports are
 * attacker-controlled, so NUL is stored as U+FFFD, as a browser shows an undecodable character.
 */
const noNul = (s: string): string => (s.includes("\u0000") ? s.replaceAll("\u0000", "\uFFFD") : s);

const NEEDS_ESCAPE = /["\\]/;

/**
 * The array literal of `values` ({"a","b\"c",1,NULL}): strings quoted (NUL replaced), numbers as written, null and
 * undefined as NULL. PostgreSQL reads the same values from it as from node-postgres' literal of the same JS array
 * (which quotes numbers too), whatever element type the statement casts to.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const v = values[i];
    if (v === null || v === undefined) out += "NULL";
    else if (typeof v === "number" || typeof v === "bigint") out += String(v);
    else {
      const s = noNul(String(v));
      out += NEEDS_ESCAPE.test(s) ? `"${s.replace(/["\\]/g, "\\$&")}"` : `"${s}"`;
    }
  }
  return `${out}}`;
}
