// A Cinch server in its own process for the resource tests: started like `npm start` (startServer), it sends its
// URL to the parent over IPC and answers each "mem" message with its own process.memoryUsage().
import { loadConfig } from "../../server/config.ts";
import { startServer } from "../../server/server.ts";

const running = await startServer(loadConfig(process.env));
const send = (m: unknown) => process.send?.(m);
process.on("message", (m) => {
  if (m === "mem") {
    global.gc?.();
    send({ mem: process.memoryUsage() });
  }
  if (m === "stop") void running.stop().then(() => process.exit(0));
});
send({ url: running.url });
