// The dashboard's only HTTP caller: JSON in and out, the CSRF header on every state-changing request, and one
// error type carrying the server's `{error, message}`. Pages get an instance through ApiContext (tests inject mocks).
import type {
  AlertChannelDto,
  AlertChannelInput,
  AlertChannelsDto,
  AlertChannelTestDto,
  AlertDeliveriesDto,
  AlertDeliveryDto,
  AlertDeliveryStatus,
  AlertRuleDto,
  AlertRuleInput,
  AlertRulePatch,
  AlertRulePreviewDto,
  AlertRulesDto,
  ApiTokenDto,
  ApiTokenScope,
  BuildRequest,
  BuildResultDto,
  CompareDto,
  CreatedAlertChannelDto,
  CreatedApiTokenDto,
  ExportRequest,
  FilterValuesDto,
  GroupAlertsDto,
  GroupDetailDto,
  GroupTriageDto,
  PolicyKeyDto,
  PolicyVersionDto,
  PolicyVersionListDto,
  PolicyVersionMovedDto,
  PreviewDto,
  SessionDto,
  SetupStateDto,
  SignedInDto,
  ProjectDto,
  ProjectSettingsDto,
  RolloutDto,
  ScriptDetailDto,
  ScriptEventDto,
  ScriptEventKind,
  ScriptEventsDto,
  ScriptPatternDto,
  ScriptPatternInput,
  ScriptPatternsDto,
  ScriptReviewInput,
  ScriptsDto,
  ScriptSriDto,
  ScriptStatus,
  SeriesDto,
  StatsDto,
  SummaryDto,
  TailEventDto,
  TestReportDto,
  TriageState,
  UpdatedProjectDto,
  VersionState,
  ViolationsDto,
} from "../../../server/contract.ts";

/** An API failure: HTTP status, the server's stable error id and its human message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The input that caused it (dotted path, e.g. "ignoreRules.hosts") and its 1-based line, when one did. */
    readonly where: { field?: string; line?: number } = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type { SessionDto };

export type Window = { since?: number | string; until?: number | string };

export type ViolationQuery = Window & {
  directive?: string;
  noise?: "include" | "exclude" | "only";
  disposition?: "enforce" | "report";
  version?: number | string;
  env?: string;
  page?: string;
  text?: string;
  triage?: TriageState;
  sort?: "count" | "lastSeen" | "firstSeen" | "directive" | "blocked";
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
};

/** Filters of the script inventory (#18); the flags go as `1` when set. */
export type ScriptQuery = {
  status?: ScriptStatus;
  payment?: boolean;
  origin?: string;
  missingSri?: boolean;
  changed?: boolean;
};

export type TailState = "connecting" | "open" | "closed";

type Query = Record<string, string | number | boolean | undefined | null>;
type RequestOptions = { query?: Query; body?: unknown; expect?: "json" | "text" | "none" };

type EventSourceCtor = new (url: string, init?: EventSourceInit) => EventSource;

/** Build `?a=1&b=2`, skipping undefined, null and empty values. */
export function queryString(q: Query | undefined): string {
  if (!q) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === "") continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const enc = encodeURIComponent;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Accept `[...]` or `{<key>: [...]}` (list endpoints still settling on a shape). */
function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (isRecord(body) && Array.isArray(body[key])) return body[key] as T[];
  return [];
}

export class ApiClient {
  /** The CSRF token of the current session (from sign-in, setup or GET /api/session). */
  csrfToken: string | null = null;
  /** Called when a request other than the session probe comes back 401 (session expired or revoked). */
  onUnauthorized: (() => void) | null = null;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;
  private readonly eventSource: EventSourceCtor | undefined;

  constructor(opts: { fetch?: typeof fetch; base?: string; eventSource?: EventSourceCtor } = {}) {
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.base = opts.base ?? "";
    this.eventSource = opts.eventSource ?? (typeof EventSource === "undefined" ? undefined : EventSource);
  }

  private async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {
      Accept: opts.expect === "text" ? "text/plain" : "application/json",
    };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (UNSAFE_METHODS.has(method) && this.csrfToken) headers["X-CSRF-Token"] = this.csrfToken;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}/api${path}${queryString(opts.query)}`, {
        method,
        headers,
        credentials: "same-origin",
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch {
      throw new ApiError(0, "network", "Cannot reach the Cinch server. Check your connection and try again.");
    }
    if (!res.ok) {
      let code = `http_${res.status}`;
      let message = `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`;
      const where: { field?: string; line?: number } = {};
      try {
        const body: unknown = await res.json();
        if (isRecord(body)) {
          if (typeof body.error === "string") code = body.error;
          if (typeof body.message === "string" && body.message) message = body.message;
          if (typeof body.field === "string") where.field = body.field;
          if (typeof body.line === "number") where.line = body.line;
        }
      } catch {
        // not JSON: keep the generic message
      }
      if (res.status === 401 && path !== "/session") this.onUnauthorized?.();
      throw new ApiError(res.status, code, message, where);
    }
    if (opts.expect === "none" || res.status === 204) return undefined as T;
    if (opts.expect === "text") return (await res.text()) as T;
    return (await res.json()) as T;
  }

  // ── Session and setup ────────────────────────────────────────────────────────────────────────────────────

  /** The signed-in user, or null when not signed in. */
  async getSession(): Promise<SessionDto | null> {
    try {
      const s = await this.request<SessionDto>("GET", "/session");
      this.csrfToken = s.csrfToken;
      return s;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  }

  async signIn(email: string, password: string): Promise<void> {
    const r = await this.request<SignedInDto>("POST", "/session", { body: { email, password } });
    this.csrfToken = r.csrfToken;
  }

  async signOut(): Promise<void> {
    await this.request("DELETE", "/session", { expect: "none" });
    this.csrfToken = null;
  }

  /** Sign out every session of this user (all browsers). */
  async revokeAllSessions(): Promise<void> {
    await this.request("POST", "/session/revoke-all", { expect: "none" });
    this.csrfToken = null;
  }

  async setupStatus(): Promise<SetupStateDto> {
    return this.request("GET", "/setup");
  }

  async setup(token: string, email: string, password: string): Promise<void> {
    const r = await this.request<SignedInDto>("POST", "/setup", {
      body: { token, email, password },
    });
    this.csrfToken = r.csrfToken;
  }

  // ── API tokens ───────────────────────────────────────────────────────────────────────────────────────────

  async listTokens(): Promise<ApiTokenDto[]> {
    return listOf<ApiTokenDto>(await this.request("GET", "/tokens"), "tokens");
  }

  /** Create a token; the plain value is in `token` and is shown once. */
  async createToken(name: string, scope: ApiTokenScope): Promise<CreatedApiTokenDto> {
    return this.request("POST", "/tokens", { body: { name, scope } });
  }

  async deleteToken(id: string): Promise<void> {
    await this.request("DELETE", `/tokens/${enc(id)}`, { expect: "none" });
  }

  // ── Projects ─────────────────────────────────────────────────────────────────────────────────────────────

  async listProjects(): Promise<ProjectDto[]> {
    return listOf<ProjectDto>(await this.request("GET", "/projects"), "projects");
  }

  async createProject(name: string): Promise<ProjectDto> {
    return this.request("POST", "/projects", { body: { name } });
  }

  async getProject(id: string): Promise<ProjectDto> {
    return this.request("GET", `/projects/${enc(id)}`);
  }

  async updateProject(
    id: string,
    // The server merges settings field by field, ignore-rule lists one by one: send only what changes.
    patch: {
      name?: string;
      settings?: Partial<Omit<ProjectSettingsDto, "ignoreRules">> & {
        ignoreRules?: Partial<ProjectSettingsDto["ignoreRules"]>;
      };
    },
  ): Promise<UpdatedProjectDto> {
    return this.request("PATCH", `/projects/${enc(id)}`, { body: patch });
  }

  /** Delete the project and everything it owns; its report key then answers 410 Gone (admin). */
  async deleteProject(id: string): Promise<void> {
    await this.request("DELETE", `/projects/${enc(id)}`, { expect: "none" });
  }

  /** Issue a new report key; the old one answers 410 Gone, which makes browsers drop it (admin). */
  async rotateReportKey(id: string): Promise<ProjectDto> {
    return this.request("POST", `/projects/${enc(id)}/report-key`);
  }

  // ── Violations ───────────────────────────────────────────────────────────────────────────────────────────

  async violations(id: string, q: ViolationQuery = {}): Promise<ViolationsDto> {
    return this.request("GET", `/projects/${enc(id)}/violations`, { query: q });
  }

  async series(id: string, q: ViolationQuery = {}): Promise<SeriesDto> {
    const { sort: _s, order: _o, limit: _l, offset: _f, ...filters } = q;
    return this.request("GET", `/projects/${enc(id)}/violations/series`, { query: filters });
  }

  async group(id: string, groupId: string | number, w: Window = {}): Promise<GroupDetailDto> {
    return this.request("GET", `/projects/${enc(id)}/violations/${enc(String(groupId))}`, {
      query: { since: w.since, until: w.until },
    });
  }

  async stats(id: string, w: Window = {}): Promise<StatsDto> {
    return this.request("GET", `/projects/${enc(id)}/stats`, { query: { since: w.since, until: w.until } });
  }

  /** The stat cards for the explorer's filters, each saying what it counts, and refused reports by reason. */
  async summary(id: string, q: ViolationQuery = {}): Promise<SummaryDto> {
    const { sort: _s, order: _o, limit: _l, offset: _f, ...filters } = q;
    return this.request("GET", `/projects/${enc(id)}/summary`, { query: filters });
  }

  /** Policy versions, environments, dispositions and directives seen in the window, with report counts. */
  async filterValues(id: string, w: Window = {}): Promise<FilterValuesDto> {
    return this.request("GET", `/projects/${enc(id)}/filter-values`, {
      query: { since: w.since, until: w.until },
    });
  }

  /** Send a marked test report to the project's public report URI and say whether it arrived. */
  async sendTestReport(id: string): Promise<TestReportDto> {
    return this.request("POST", `/projects/${enc(id)}/test-report`);
  }

  /**
   * Subscribe to the live tail (Server-Sent Events, cookie-authenticated). Malformed events are dropped.
   * Returns an unsubscribe function. EventSource reconnects by itself; `onState` reports each transition.
   */
  tail(id: string, onEvent: (e: TailEventDto) => void, onState: (s: TailState) => void): () => void {
    if (!this.eventSource) {
      onState("closed");
      return () => undefined;
    }
    const es = new this.eventSource(`${this.base}/api/projects/${enc(id)}/tail`, { withCredentials: true });
    onState("connecting");
    es.onopen = () => onState("open");
    es.onerror = () => onState(es.readyState === 2 ? "closed" : "connecting");
    es.onmessage = (m: MessageEvent) => {
      try {
        const data: unknown = JSON.parse(String(m.data));
        if (isRecord(data) && typeof data.directive === "string" && typeof data.blocked === "string") {
          onEvent({
            receivedAt: String(data.receivedAt ?? new Date().toISOString()),
            directive: data.directive,
            blocked: data.blocked,
            documentUrl: String(data.documentUrl ?? ""),
            noise: typeof data.noise === "string" ? data.noise : null,
            browser: String(data.browser ?? ""),
          });
        }
      } catch {
        // ignore a malformed event
      }
    };
    return () => es.close();
  }

  // ── Policy ───────────────────────────────────────────────────────────────────────────────────────────────
  // The answers are the server's contract (server/contract/policy.ts), passed through as they come:
  // test/api/policy-contract.test.ts checks the client returns exactly what the server sent.

  async buildPolicy(id: string, req: BuildRequest): Promise<BuildResultDto> {
    return this.request("POST", `/projects/${enc(id)}/policy/build`, { body: req });
  }

  /** What enforcing `policy` would block, replayed over the stored violation groups. */
  async previewPolicy(id: string, policy: string): Promise<PreviewDto> {
    return this.request("POST", `/projects/${enc(id)}/policy/preview`, { body: { policy } });
  }

  async listVersions(id: string): Promise<PolicyVersionDto[]> {
    return (await this.request<PolicyVersionListDto>("GET", `/projects/${enc(id)}/policy/versions`)).versions;
  }

  async createVersion(
    id: string,
    policy: string,
    notes?: Record<string, unknown>,
  ): Promise<PolicyVersionDto> {
    return this.request("POST", `/projects/${enc(id)}/policy/versions`, {
      body: notes ? { policy, notes } : { policy },
    });
  }

  /** Move a version; the answer carries the header(s) to deploy now (`deploy`). */
  async setVersionState(id: string, version: number, state: VersionState): Promise<PolicyVersionMovedDto> {
    return this.request("POST", `/projects/${enc(id)}/policy/versions/${version}/state`, { body: { state } });
  }

  /** Each live version's rollout status, what is deployed, and untagged reports while versions exist. */
  async policyRollout(id: string): Promise<RolloutDto> {
    return this.request("GET", `/projects/${enc(id)}/policy/rollout`);
  }

  async compareVersions(id: string, from: number, to: number): Promise<CompareDto> {
    return this.request("GET", `/projects/${enc(id)}/policy/versions/compare`, { query: { from, to } });
  }

  /** The project's public, read-only policy key and its URL (admin). */
  async policyKey(id: string): Promise<PolicyKeyDto> {
    return this.request("GET", `/projects/${enc(id)}/policy/key`);
  }

  /** Issue a new policy key; the old URL stops working (admin). */
  async rotatePolicyKey(id: string): Promise<PolicyKeyDto> {
    return this.request("POST", `/projects/${enc(id)}/policy/key`);
  }

  /** The policy in one deployment format, as text. */
  async exportPolicy(id: string, req: ExportRequest): Promise<string> {
    return this.request("GET", `/projects/${enc(id)}/policy/export`, {
      query: {
        format: req.format,
        version: req.version,
        // Absent unless chosen: the default export is what is deployed, each policy in its own mode.
        reportOnly: req.reportOnly,
        companions: req.companions,
        state: req.version === undefined && req.state !== "both" ? req.state : undefined,
      },
      expect: "text",
    });
  }

  // ── Alerts (#14) ─────────────────────────────────────────────────────────────────────────────────────────
  // Channels are instance-wide; rules, the delivery log and triage belong to a project.

  async listAlertChannels(): Promise<AlertChannelDto[]> {
    return (await this.request<AlertChannelsDto>("GET", "/alert-channels")).channels;
  }

  /** Create a channel; a webhook's generated secret is in `secret` and is shown once. */
  async createAlertChannel(input: AlertChannelInput): Promise<CreatedAlertChannelDto> {
    return this.request("POST", "/alert-channels", { body: input });
  }

  async deleteAlertChannel(channelId: string): Promise<void> {
    await this.request("DELETE", `/alert-channels/${enc(channelId)}`, { expect: "none" });
  }

  /** Send one test message now (not through the outbox) and say how the receiver answered. */
  async testAlertChannel(channelId: string): Promise<AlertChannelTestDto> {
    return this.request("POST", `/alert-channels/${enc(channelId)}/test`);
  }

  async listAlertRules(id: string): Promise<AlertRuleDto[]> {
    return (await this.request<AlertRulesDto>("GET", `/projects/${enc(id)}/alerts`)).rules;
  }

  async createAlertRule(id: string, input: AlertRuleInput): Promise<AlertRuleDto> {
    return this.request("POST", `/projects/${enc(id)}/alerts`, { body: input });
  }

  async updateAlertRule(id: string, ruleId: string, patch: AlertRulePatch): Promise<AlertRuleDto> {
    return this.request("PATCH", `/projects/${enc(id)}/alerts/${enc(ruleId)}`, { body: patch });
  }

  async deleteAlertRule(id: string, ruleId: string): Promise<void> {
    await this.request("DELETE", `/projects/${enc(id)}/alerts/${enc(ruleId)}`, { expect: "none" });
  }

  /** What a rule (saved or not; channels may be empty) would have fired over the last 7 days. */
  async previewAlertRule(id: string, input: AlertRuleInput): Promise<AlertRulePreviewDto> {
    return this.request("POST", `/projects/${enc(id)}/alerts/preview`, { body: input });
  }

  /** The project's delivery log, newest first. */
  async alertDeliveries(
    id: string,
    q: { status?: AlertDeliveryStatus; limit?: number } = {},
  ): Promise<AlertDeliveryDto[]> {
    return (
      await this.request<AlertDeliveriesDto>("GET", `/projects/${enc(id)}/alerts/deliveries`, { query: q })
    ).deliveries;
  }

  /** A group's triage (who set it, when, its history) and the alerts it raised. */
  async groupAlerts(id: string, groupId: string | number): Promise<GroupAlertsDto> {
    return this.request("GET", `/projects/${enc(id)}/violations/${enc(String(groupId))}/alerts`);
  }

  async triageGroup(id: string, groupId: string | number, state: TriageState): Promise<GroupTriageDto> {
    return this.request("POST", `/projects/${enc(id)}/violations/${enc(String(groupId))}/triage`, {
      body: { state },
    });
  }

  // ── Script inventory (#18) ───────────────────────────────────────────────────────────────────────────────

  async listScripts(id: string, q: ScriptQuery = {}): Promise<ScriptsDto> {
    const flag = (b: boolean | undefined) => (b ? 1 : undefined);
    return this.request("GET", `/projects/${enc(id)}/scripts`, {
      query: {
        status: q.status,
        payment: flag(q.payment),
        origin: q.origin,
        missingSri: flag(q.missingSri),
        changed: flag(q.changed),
      },
    });
  }

  /** One script: hash history, pages, the last review, its change log and the SRI tag to paste. */
  async getScript(id: string, scriptId: string | number): Promise<ScriptDetailDto> {
    return this.request("GET", `/projects/${enc(id)}/scripts/${enc(String(scriptId))}`);
  }

  async reviewScript(
    id: string,
    scriptId: string | number,
    input: ScriptReviewInput,
  ): Promise<ScriptDetailDto> {
    return this.request("POST", `/projects/${enc(id)}/scripts/${enc(String(scriptId))}/review`, {
      body: input,
    });
  }

  /** The inventory's change log, newest first. */
  async scriptEvents(
    id: string,
    q: Window & { kind?: ScriptEventKind; scriptId?: number; limit?: number } = {},
  ): Promise<ScriptEventDto[]> {
    return (await this.request<ScriptEventsDto>("GET", `/projects/${enc(id)}/scripts/events`, { query: q }))
      .events;
  }

  /** Paste-ready SRI tags and the scripts still loaded without SRI. */
  async scriptSri(id: string): Promise<ScriptSriDto> {
    return this.request("GET", `/projects/${enc(id)}/scripts/sri`);
  }

  /** The inventory with reviews and the change log of a period, as CSV or JSON text (for a download). */
  async exportScripts(id: string, q: Window & { format: "csv" | "json" }): Promise<string> {
    return this.request("GET", `/projects/${enc(id)}/scripts/export`, { query: q, expect: "text" });
  }

  /** Accepted URL patterns and the ones suggested by the versioned URLs seen. */
  async scriptPatterns(id: string): Promise<ScriptPatternsDto> {
    return this.request("GET", `/projects/${enc(id)}/scripts/patterns`);
  }

  async acceptScriptPattern(id: string, input: ScriptPatternInput): Promise<ScriptPatternDto> {
    return this.request("POST", `/projects/${enc(id)}/scripts/patterns`, { body: input });
  }

  async deleteScriptPattern(id: string, patternId: number): Promise<void> {
    await this.request("DELETE", `/projects/${enc(id)}/scripts/patterns/${patternId}`, { expect: "none" });
  }
}
