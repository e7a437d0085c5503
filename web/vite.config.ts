// Vite: builds the dashboard into web/dist; in development proxies API and ingest calls to the Koa server.
import { defineConfig, type ProxyOptions } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` starts the API on PORT (default 8787, as config.ts): the proxy follows it.
const api = `http://127.0.0.1:${process.env.PORT ?? "8787"}`;
// The API refuses state-changing requests whose Origin is not its own (server/http/csrf.ts); through this proxy
// the dashboard's origin is the dev server's, so the proxy presents the API's (measured: sign-in answered 403
// cross_site without it). Sec-Fetch-Site is still checked.
const proxied: ProxyOptions = {
  target: api,
  changeOrigin: true,
  configure: (proxy) =>
    proxy.on("proxyReq", (req) => {
      if (req.getHeader("origin") !== undefined) req.setHeader("origin", api);
    }),
};

export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, modulePreload: { polyfill: false } },
  server: {
    proxy: {
      "/api": proxied,
      "/r": api,
      "/healthz": api,
    },
  },
});
