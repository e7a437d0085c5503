// Target (c): the collector a tutorial would write. Koa + koa-body, then one Prisma `create` per report, awaited
// in turn, 204. Same database file setup as Cinch (WAL, synchronous FULL, migrations) through server/store/db.ts.
// It stores each report as one row of Cinch's Sample table (groupId = a running number, slot 0): a plain
// one-row-per-report table with the report's fields, without a second Prisma schema and client to generate.
import Koa from "koa";
import { koaBody } from "koa-body";
import { openDb } from "../../server/store/db.ts";
import { REPORT_MEDIA_TYPES } from "../../server/reports/parse.ts";
import { NAIVE_ID_BASE } from "./naive-id.ts";

type Loose = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** The report objects of a body: legacy `{"csp-report": {...}}` or a Reporting API array of `{type, body}`. */
function reportsOf(body: unknown): Loose[] {
  if (Array.isArray(body)) {
    return body
      .filter((e): e is Loose => typeof e === "object" && e !== null && (e as Loose).type === "csp-violation")
      .map((e) => (e.body ?? {}) as Loose);
  }
  if (typeof body === "object" && body !== null && "csp-report" in body)
    return [(body as Loose)["csp-report"] as Loose];
  return [];
}

const port = Number(process.argv[2] ?? "0");
const file = process.argv[3] ?? "naive.db";
const db = await openDb(file);
let next = NAIVE_ID_BASE;
const app = new Koa();
app.use(
  koaBody({
    json: true,
    jsonTypes: [...REPORT_MEDIA_TYPES],
    urlencoded: false,
    text: false,
    multipart: false,
  }),
);
app.use(async (ctx) => {
  if (ctx.method !== "POST") {
    ctx.status = 204;
    return;
  }
  for (const r of reportsOf(ctx.request.body)) {
    await db.prisma.sample.create({
      data: {
        groupId: next++,
        slot: 0,
        receivedAt: BigInt(Date.now()),
        documentUrl: str(r["document-uri"] ?? r.documentURL),
        blockedUrl: str(r["blocked-uri"] ?? r.blockedURL),
        sourceFile: str(r["source-file"] ?? r.sourceFile),
        line: num(r["line-number"] ?? r.lineNumber),
        column: num(r["column-number"] ?? r.columnNumber),
        sample: str(r["script-sample"] ?? r.sample),
        statusCode: num(r["status-code"] ?? r.statusCode),
        browser: ctx.get("User-Agent"),
        disposition: str(r.disposition),
        policyVersion: null,
        env: "",
      },
    });
  }
  ctx.status = 204;
});
app.listen(port, "127.0.0.1");
