// The assessor's export of the inventory (#18): CSV (RFC 4180) safe to open in a spreadsheet. Pure.

/**
 * One CSV cell: a value a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return
 * that some strip before looking) is prefixed with `'` (OWASP "CSV injection"); then quoted when it holds a comma,
 * quote or line break, quotes doubled.
 */
export function csvCell(value: string | number | boolean | null): string {
  let s = value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows to CSV text, CRLF line ends, with a header row. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null)[])[],
): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
