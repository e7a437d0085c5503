// Lint gate: typescript-eslint strict + type-aware rules that catch real bugs.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

/** Frameworks and drivers the pure domain (server/policy, server/reports) never imports. */
const FRAMEWORK = [
  {
    regex: "^(koa|koa-.*|@koa/.*|prisma|@prisma/.*|better-sqlite3|pg)(/.*)?$",
    message:
      "server/policy and server/reports are pure: no Koa, Prisma or database driver (docs/architecture.md).",
  },
];
/** The outer layers, by folder, as relative imports name them. */
const OUTER_LAYERS = [
  {
    regex: "(^|/)(store|http|api|generated)(/|$)",
    message:
      "server/policy and server/reports import nothing from store, http or api (docs/architecture.md).",
  },
];
const STORE_OUTER_LAYERS = [
  {
    regex: "(^|/)(http|api)(/|$)",
    message: "server/store imports nothing from http or api (docs/architecture.md).",
  },
];
/** web/ reaches the server only for the contract's types. */
const WEB_SERVER_IMPORTS = [
  {
    regex: "(^|/)server/(?!contract(\\.ts)?$)",
    message: "web/ imports only types from server/contract.ts (docs/architecture.md).",
  },
  {
    regex: "(^|/)server/contract(\\.ts)?$",
    allowTypeImports: true,
    message: "web/ imports only types from server/contract.ts: use `import type` (docs/architecture.md).",
  },
];

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      "web/dist",
      "dist",
      "server/generated",
      "data",
      "artifacts",
      "bench/results",
      "scratch",
      // The benchmark compiles the server here (bench/proc.ts compiledCinch); test/bench runs it during npm test.
      ".bench-dist",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: {
          allowDefaultProject: ["*.js", "*.mjs", "bin/*.mjs", "scripts/*.mjs"],
          // The plain-JS scripts outnumber the default cap of 8 (lint failed "Too many files" at the ninth).
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 20,
        },
      },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // The shape of the house (docs/architecture.md "Data flow"), kept by the lint step rather than by memory.
  // test/lint/layers.test.ts proves each rule fires on a violating import.
  {
    files: ["server/policy/**", "server/reports/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [...FRAMEWORK, ...OUTER_LAYERS] }],
    },
  },
  {
    files: ["server/store/**"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: STORE_OUTER_LAYERS }] },
  },
  {
    files: ["web/src/**"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: WEB_SERVER_IMPORTS }] },
  },
);
