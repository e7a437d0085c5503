// Projects in the database, and a cache of the ingest-side view (by report key) so the hot path skips Prisma.
import { randomBytes, randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";
import { dateOf, flag } from "./rows.ts";
import type { SqlReader } from "./sql.ts";
import type { Logger } from "pino";
import {
  defaultSettings,
  readSettings,
  type ProjectSettings,
  type SettingsProblem,
} from "../projects/settings.ts";

export type ProjectRecord = {
  id: string;
  name: string;
  reportKey: string;
  policyKey: string;
  settings: ProjectSettings;
  builtin: boolean;
  createdAt: Date;
};

type Row = {
  id: string;
  name: string;
  reportKey: string;
  policyKey: string;
  settings: string;
  builtin: boolean;
  createdAt: Date;
};

/**
 * How long a report-key lookup is trusted. Every answer expires, a positive one too: another node's rotation or
 * deletion is honoured within this (this node's own ones at once: they clear the entries).
 */
const KEY_CACHE_MS = 10_000;

/** What a report key stands for: its project, "gone" (rotated away or its project deleted: 410), or nothing. */
export type ReportKeyStatus = ProjectRecord | "gone" | null;

/** A random URL-safe key. */
export const newKey = (bytes = 18): string => randomBytes(bytes).toString("base64url");

export class ProjectStore {
  private keyCache = new Map<string, { status: ReportKeyStatus; until: number }>();
  /** The stored settings text last warned about, per project: a bad value is logged once, not per read. */
  private warned = new Map<string, string>();

  private readonly prisma: PrismaClient;
  private readonly sql: SqlReader;

  constructor(
    db: Pick<Db, "prisma" | "sql">,
    private readonly log?: Pick<Logger, "warn">,
  ) {
    this.prisma = db.prisma;
    this.sql = db.sql;
  }

  /** A row as a record; settings are read field by field and a bad stored field is logged (once). */
  private toRecord(r: Row): ProjectRecord {
    const problems: SettingsProblem[] = [];
    const settings = readSettings(r.settings, (p) => problems.push(p));
    if (problems.length > 0 && this.warned.get(r.id) !== r.settings) {
      if (this.warned.size > 10_000) this.warned.clear();
      this.warned.set(r.id, r.settings);
      this.log?.warn(
        { project: r.id, problems },
        `project ${r.id}: stored settings ${problems.map((p) => `${p.field}: ${p.problem}`).join("; ")}`,
      );
    }
    return { ...r, settings };
  }

  async create(name: string, opts: { builtin?: boolean } = {}): Promise<ProjectRecord> {
    const row = await this.prisma.project.create({
      data: {
        id: randomUUID(),
        name,
        reportKey: newKey(),
        policyKey: newKey(24),
        settings: JSON.stringify(defaultSettings()),
        builtin: opts.builtin ?? false,
      },
    });
    this.keyCache.delete(row.reportKey);
    return this.toRecord(row);
  }

  async list(): Promise<ProjectRecord[]> {
    return (await this.prisma.project.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] })).map((r) =>
      this.toRecord(r),
    );
  }

  /** Every API call on a project asks this: one raw statement, not Prisma (see TokenStore.verify). */
  async get(id: string): Promise<ProjectRecord | null> {
    const [raw] = await this.sql.all<Record<string, unknown>>(Prisma.sql`
      SELECT "id", "name", "reportKey", "policyKey", "settings", "builtin",
        ${this.sql.dialect.epochMs(Prisma.sql`"createdAt"`)} AS "createdAt"
      FROM "Project" WHERE "id" = ${id}`);
    if (!raw) return null;
    return this.toRecord({
      id: String(raw.id),
      name: String(raw.name),
      reportKey: String(raw.reportKey),
      policyKey: String(raw.policyKey),
      settings: String(raw.settings),
      builtin: flag(raw.builtin),
      createdAt: dateOf(raw.createdAt),
    });
  }

  async getBuiltin(): Promise<ProjectRecord | null> {
    const row = await this.prisma.project.findFirst({
      where: { builtin: true },
      orderBy: { createdAt: "asc" },
    });
    return row ? this.toRecord(row) : null;
  }

  async byPolicyKey(policyKey: string): Promise<ProjectRecord | null> {
    const row = await this.prisma.project.findUnique({ where: { policyKey } });
    return row ? this.toRecord(row) : null;
  }

  /** The project for an ingest key (null when unknown or retired); see reportKeyStatus. */
  async byReportKey(reportKey: string): Promise<ProjectRecord | null> {
    const status = await this.reportKeyStatus(reportKey);
    return status === "gone" ? null : status;
  }

  /**
   * What an ingest key stands for; cached for KEY_CACHE_MS (unknown and retired keys too) to keep ingest off
   * Prisma.
   */
  async reportKeyStatus(reportKey: string): Promise<ReportKeyStatus> {
    const now = Date.now();
    const hit = this.keyCache.get(reportKey);
    if (hit && hit.until > now) return hit.status;
    const row = await this.prisma.project.findUnique({ where: { reportKey } });
    let status: ReportKeyStatus = row ? this.toRecord(row) : null;
    if (!row && (await this.prisma.retiredReportKey.findUnique({ where: { reportKey } }))) status = "gone";
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(reportKey, { status, until: now + KEY_CACHE_MS });
    return status;
  }

  /**
   * Issue a new report key; the old one is retired (ingest answers it 410 Gone, so browsers drop the endpoint).
   * Null when there is no such project.
   */
  async rotateReportKey(id: string): Promise<ProjectRecord | null> {
    const existing = await this.prisma.project.findUnique({ where: { id } });
    if (!existing) return null;
    const next = newKey();
    const [, row] = await this.prisma.$transaction([
      this.prisma.retiredReportKey.create({ data: { reportKey: existing.reportKey, projectId: id } }),
      // Conditional on the key read above: a concurrent rotation fails this one instead of losing a key.
      this.prisma.project.update({ where: { id, reportKey: existing.reportKey }, data: { reportKey: next } }),
    ]);
    this.keyCache.delete(existing.reportKey);
    this.keyCache.delete(next);
    return this.toRecord(row);
  }

  /**
   * Remove a project: its report key is retired (410 Gone from now on) and its row deleted, in one transaction.
   * The rows it owns are left to purgeProject (project-purge.ts), which deletes them in batches. Null when there
   * is no such project.
   */
  async remove(id: string): Promise<ProjectRecord | null> {
    const existing = await this.prisma.project.findUnique({ where: { id } });
    if (!existing) return null;
    await this.prisma.$transaction([
      this.prisma.retiredReportKey.create({ data: { reportKey: existing.reportKey, projectId: id } }),
      this.prisma.project.delete({ where: { id } }),
    ]);
    this.keyCache.delete(existing.reportKey);
    this.warned.delete(id);
    return this.toRecord(existing);
  }

  async update(
    id: string,
    patch: { name?: string; settings?: ProjectSettings },
  ): Promise<ProjectRecord | null> {
    const existing = await this.prisma.project.findUnique({ where: { id } });
    if (!existing) return null;
    const row = await this.prisma.project.update({
      where: { id },
      data: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.settings !== undefined ? { settings: JSON.stringify(patch.settings) } : {}),
      },
    });
    this.keyCache.delete(row.reportKey);
    return this.toRecord(row);
  }

  /** Issue a new public policy key (the old one stops working). */
  async rotatePolicyKey(id: string): Promise<ProjectRecord | null> {
    const existing = await this.prisma.project.findUnique({ where: { id } });
    if (!existing) return null;
    const row = await this.prisma.project.update({ where: { id }, data: { policyKey: newKey(24) } });
    return this.toRecord(row);
  }
}
