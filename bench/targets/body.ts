// Target (b): Koa + koa-body JSON-parsing the same report bodies, then 204: the framework ceiling for a collector.
import Koa from "koa";
import { koaBody } from "koa-body";
import { REPORT_MEDIA_TYPES } from "../../server/reports/parse.ts";

const port = Number(process.argv[2] ?? "0");
const app = new Koa();
app.use(
  koaBody({
    json: true,
    jsonTypes: [...REPORT_MEDIA_TYPES],
    jsonLimit: 64 * 1024,
    urlencoded: false,
    text: false,
    multipart: false,
  }),
);
app.use((ctx) => {
  if (ctx.method === "POST" && ctx.request.body === undefined) ctx.throw(400);
  ctx.status = 204;
});
app.listen(port, "127.0.0.1");
