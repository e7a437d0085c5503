// Target (a): bare Koa answering 204 without reading the body. The floor of any Koa-based collector.
import Koa from "koa";

const port = Number(process.argv[2] ?? "0");
const app = new Koa();
app.use((ctx) => {
  ctx.status = 204;
});
app.listen(port, "127.0.0.1");
