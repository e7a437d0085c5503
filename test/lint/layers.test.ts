// The layer rules in eslint.config.js fire on a violating import and stay quiet on an allowed one.
import { ESLint } from "eslint";
import { describe, expect, test } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const RULE = "@typescript-eslint/no-restricted-imports";

/** Lint `code` as if it were the file at `filePath`, with only the layer rule (no type information needed). */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === RULE,
  });
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

describe("layer rules", () => {
  test.each([
    { file: "server/policy/x.ts", code: 'import Koa from "koa";' },
    { file: "server/policy/x.ts", code: 'import Router from "@koa/router";' },
    { file: "server/reports/x.ts", code: 'import { PrismaClient } from "@prisma/client";' },
    { file: "server/reports/x.ts", code: 'import Database from "better-sqlite3";' },
    { file: "server/policy/x.ts", code: 'import { ProjectStore } from "../store/projects.ts";' },
    { file: "server/policy/export/x.ts", code: 'import { badRequest } from "../../http/errors.ts";' },
    { file: "server/reports/x.ts", code: 'import type { AppDeps } from "../api/routes.ts";' },
    { file: "server/policy/x.ts", code: 'import type { Prisma } from "../generated/prisma/client.ts";' },
    { file: "server/store/x.ts", code: 'import { hashPassword } from "../http/passwords.ts";' },
    { file: "server/store/x.ts", code: 'import { opsRouter } from "../api/ops.ts";' },
    { file: "web/src/x.ts", code: 'import { buildPolicy } from "../../server/policy/build.ts";' },
    { file: "web/src/pages/x.ts", code: 'import type { Config } from "../../../server/config.ts";' },
    { file: "web/src/x.ts", code: 'import { VERSION } from "../../server/contract.ts";' },
  ])("$file: $code is refused", async ({ file, code }) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${RULE}: .*docs/architecture\\.md`));
  });

  test.each([
    { file: "server/policy/x.ts", code: 'import { parsePolicy } from "./csp.ts";' },
    { file: "server/reports/x.ts", code: 'import { z } from "zod";' },
    { file: "server/store/x.ts", code: 'import { hashPassword } from "../accounts/passwords.ts";' },
    { file: "server/store/x.ts", code: 'import type { Violation } from "../reports/types.ts";' },
    { file: "web/src/x.ts", code: 'import type { ProjectDto } from "../../server/contract.ts";' },
    { file: "server/api/x.ts", code: 'import { ProjectStore } from "../store/projects.ts";' },
  ])("$file: $code is allowed", async ({ file, code }) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
