#!/usr/bin/env node
// The `cinch` command: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from "tsx/esm/api";

register();
await import("../server/cli.ts");
