// Serves the built dashboard (web/dist). The file list is read once at startup and only those exact paths are
// served, so no request path ever reaches the filesystem (no traversal). Unknown non-API GETs get index.html.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { extname, join, relative } from "node:path";
import type { Context, Next } from "koa";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Middleware serving the built dashboard from `dir`, or a plain notice when it was not built. */
export function serveDashboard(dir: string) {
  const files = new Map<string, { body: Buffer; type: string; immutable: boolean }>();
  if (existsSync(join(dir, "index.html"))) {
    for (const file of walk(dir)) {
      const url = `/${relative(dir, file).split("\\").join("/")}`;
      files.set(url, {
        body: readFileSync(file),
        type: TYPES[extname(file)] ?? "application/octet-stream",
        immutable: url.startsWith("/assets/"),
      });
    }
  }
  const index = files.get("/index.html");
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method !== "GET" && ctx.method !== "HEAD") return next();
    // Lower-cased: `/API/x` is no dashboard page either (the API router is case-sensitive and 404s it).
    const lower = ctx.path.toLowerCase();
    if (lower.startsWith("/api/") || lower.startsWith("/r/") || lower.startsWith("/p/")) return next();
    const f = files.get(ctx.path) ?? (extname(ctx.path) === "" ? index : undefined);
    if (!f) {
      if (files.size === 0 && ctx.path === "/") {
        ctx.type = "text/plain";
        ctx.body = "Cinch is running. The dashboard is not built: run `npm run build:web`.\n";
        return;
      }
      return next();
    }
    ctx.type = f.type;
    ctx.set("Cache-Control", f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    ctx.body = f.body;
  };
}
