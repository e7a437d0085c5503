// The dependencies an app is built from: createApp(deps) builds, main.ts listens.
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Db } from "./store/db.ts";
import type { ProjectStore } from "./store/projects.ts";
import type { ReportWriter } from "./store/writer.ts";
import type { Metrics } from "./http/metrics.ts";
import type { TokenStore } from "./store/tokens.ts";
import type { ViolationStore } from "./store/violations.ts";
import type { TailHub } from "./api/tail.ts";
import type { UserStore } from "./store/users.ts";
import type { SessionStore } from "./store/sessions.ts";
import type { SetupStore } from "./store/setup.ts";
import type { StorageHealth } from "./store/health.ts";
import type { AlertService } from "./alerts/service.ts";
import type { ScriptStore } from "./store/scripts.ts";

export type AppDeps = {
  config: Config;
  db: Db;
  log: Logger;
  projects: ProjectStore;
  writer: ReportWriter;
  metrics: Metrics;
  tokens: TokenStore;
  violations: ViolationStore;
  tail: TailHub;
  users: UserStore;
  sessions: SessionStore;
  setup: SetupStore;
  /** Whether storage takes writes (503 storage_unavailable while it does not). */
  health: StorageHealth;
  /** Alert rules, channels, triage and the outbox's delivery (#14). */
  alerts: AlertService;
  /** The script inventory (#18). */
  scripts: ScriptStore;
};
