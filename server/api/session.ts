// /api/session (sign in, who am I, sign out, sign out everywhere) and /api/setup (first admin, with the one-time
// setup token the server printed). Sign-in and setup are the only public state-changing API routes.
import { z } from "zod";
import type { Context } from "koa";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { conflict, forbidden, HttpError, badRequest, unauthorized } from "../http/errors.ts";
import { authenticate, type SessionPrincipal } from "../http/auth.ts";
import { requireJsonBody } from "../http/csrf.ts";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "../http/session.ts";
import { SignInGuard } from "../http/bruteforce.ts";
import { DbFailureStore } from "../store/signin-failures.ts";
import {
  dummyVerify,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from "../accounts/passwords.ts";
import { emailSchema as email, normalizeEmail } from "../accounts/email.ts";
import type { SessionDto, SetupStateDto, SignedInDto } from "../contract.ts";

const signInSchema = z
  .object({ email: z.string().max(254), password: z.string().max(MAX_PASSWORD_LENGTH) })
  .strict();
const setupSchema = z
  .object({ token: z.string().min(1).max(200), email, password: z.string().max(MAX_PASSWORD_LENGTH) })
  .strict();

/** One answer for an unknown email and a wrong password, so the answer does not reveal which accounts exist. */
const invalidCredentials = () => new HttpError(401, "invalid_credentials", "email or password is wrong");

/** Register the session and setup routes. */
export function sessionRoutes(api: ApiRouter, deps: AppDeps): void {
  const { users, sessions, setup, config } = deps;
  const guard = new SignInGuard(config.SIGNIN_ATTEMPTS_PER_MINUTE, new DbFailureStore(deps.db));

  /** Start a fresh session (a new id every time: no fixation), dropping the one the browser came with. */
  const signIn = async (ctx: Context, userId: string): Promise<void> => {
    const previous = readSessionCookie(ctx);
    if (previous !== null) await sessions.revoke(previous);
    const s = await sessions.create(userId);
    setSessionCookie(ctx, s.id, s.expiresAt);
    const body: SignedInDto = { csrfToken: s.csrfToken };
    ctx.status = 201;
    ctx.body = body;
  };

  api.addPublic("post", "/session", async (ctx) => {
    requireJsonBody(ctx);
    guard.checkClient(ctx.ip);
    const body = parseInput(signInSchema, ctx.request.body, "body");
    const key = normalizeEmail(body.email);
    await guard.checkAccount(key);
    const user = await users.byEmail(key);
    let ok = false;
    if (user) ok = await verifyPassword(user.passwordHash, body.password);
    else await dummyVerify(body.password);
    if (!user || !ok) {
      await guard.fail(key);
      throw invalidCredentials();
    }
    await guard.succeed(key);
    if (needsRehash(user.passwordHash))
      await users.setPasswordHash(user.id, await hashPassword(body.password));
    await signIn(ctx, user.id);
  });

  api.addPublic("get", "/session", async (ctx) => {
    const p = readSessionCookie(ctx) === null ? null : await authenticate(ctx, deps);
    if (p?.kind !== "session") throw unauthorized("not signed in");
    const body: SessionDto = { user: { email: p.email }, csrfToken: p.csrfToken };
    ctx.body = body;
  });

  // Scoped (not public): a cookie-authenticated sign-out needs the CSRF token like any state change.
  api.add("delete", "/session", "read", async (ctx) => {
    const p = ctx.state.principal as SessionPrincipal | { kind: "token" };
    if (p.kind === "session") await sessions.revoke(p.sessionId);
    clearSessionCookie(ctx);
    ctx.status = 204;
  });

  api.add("post", "/session/revoke-all", "read", async (ctx) => {
    const p = ctx.state.principal as SessionPrincipal | { kind: "token" };
    if (p.kind !== "session")
      throw forbidden("session_required", "signing out everywhere needs a signed-in user");
    await sessions.revokeAll(p.userId);
    clearSessionCookie(ctx);
    ctx.status = 204;
  });

  api.addPublic("get", "/setup", async (ctx) => {
    const body: SetupStateDto = { needed: (await users.count()) === 0 };
    ctx.body = body;
  });

  api.addPublic("post", "/setup", async (ctx) => {
    requireJsonBody(ctx);
    guard.checkClient(ctx.ip);
    const body = parseInput(setupSchema, ctx.request.body, "body");
    if ((await users.count()) > 0) throw conflict("setup_done", "setup is already complete: sign in instead");
    // The password is checked before the token is spent, so a rejected password does not burn the token.
    const problem = passwordProblem(body.password, body.email);
    if (problem) throw badRequest("weak_password", `password: ${problem.replace(/^password /, "")}`);
    const user = await setup.createAdmin(body.token, body.email, body.password);
    if (!user) {
      // Another setup may have won the race since the check above (on this node or another).
      if ((await users.count()) > 0)
        throw conflict("setup_done", "setup is already complete: sign in instead");
      throw forbidden("invalid_setup_token", "the setup token is invalid, expired or already used");
    }
    await signIn(ctx, user.id);
  });
}
