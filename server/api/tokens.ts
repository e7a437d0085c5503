// /api/tokens: list, create (the token is in the answer once, never again) and revoke API tokens. Admin scope.
import { z } from "zod";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { notFound } from "../http/errors.ts";
import { SCOPES, type TokenInfo } from "../store/tokens.ts";
import type { ApiTokenDto, CreatedApiTokenDto } from "../contract.ts";

const createSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(100, "must be at most 100 characters")
      // PostgreSQL's text cannot hold NUL; a name is a label, never a place for control characters.
      .refine(
        (s) => !Array.from(s).some((c) => c < " " || c === "\x7f"),
        "must not contain control characters",
      ),
    scope: z.enum(SCOPES),
  })
  .strict();

const present = (t: TokenInfo): ApiTokenDto => ({
  id: t.id,
  name: t.name,
  scope: t.scope,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
});

/** Register the token-management routes. */
export function tokenRoutes(api: ApiRouter, deps: AppDeps): void {
  const { tokens } = deps;

  api.add("get", "/tokens", "admin", async (ctx) => {
    ctx.body = { tokens: (await tokens.list()).map(present) };
  });

  api.add("post", "/tokens", "admin", async (ctx) => {
    const body = parseInput(createSchema, ctx.request.body, "body");
    const { token, info } = await tokens.create(body.name, body.scope);
    const dto: CreatedApiTokenDto = { ...present(info), token };
    ctx.status = 201;
    ctx.body = dto;
  });

  api.add("delete", "/tokens/:id", "admin", async (ctx) => {
    if (!(await tokens.revokeById(ctx.params.id ?? ""))) throw notFound("token");
    ctx.status = 204;
  });
}
