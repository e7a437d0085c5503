// CLI: policy commands — evaluate, build (offline, from raw report bodies), export, minify and hash.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Command } from "commander";
import { buildPolicy } from "../policy/build.ts";
import type { UnsafeAcceptance } from "../policy/build-types.ts";
import { EXPORT_FORMATS, ExportError, exportPolicy, isExportFormat } from "../policy/export/index.ts";
import type { Finding } from "../policy/findings.ts";
import { evaluatePolicy } from "../policy/grade.ts";
import { groupsFromViolations } from "../policy/groups.ts";
import { hashDirectives, inlineHashes, type InlineHash } from "../policy/html-hashes.ts";
import { minifyPolicy } from "../policy/minify.ts";
import { parseReportBody } from "../reports/parse.ts";
import type { Violation } from "../reports/types.ts";
import { CliError, out, readInput } from "./io.ts";
import { withDb } from "./admin.ts";
import { ProjectStore } from "../store/projects.ts";
import { PolicyStore } from "../store/policies.ts";
import { projectBuildInput } from "../projects/policy-input.ts";
import type { BuildInput } from "../policy/build-types.ts";

/** The JSON shape of a finding on the command line. */
function findingJson(f: Finding) {
  return { severity: f.severity, directive: f.directive, value: f.value, message: f.message };
}

async function policyArg(policy: string | undefined): Promise<string> {
  const text = policy ?? (await readInput(undefined));
  return text.trim();
}

function intOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

// A raw body's Content-Type, guessed from its shape (the file holds bodies, not requests);
// a line may also be a fixture-style {"contentType", "body"} wrapper.
function bodyOf(line: string): { contentType: string; raw: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { contentType: "application/json", raw: line };
  }
  if (json && typeof json === "object" && !Array.isArray(json) && "contentType" in json && "body" in json) {
    const w = json as { contentType: unknown; body: unknown };
    return { contentType: String(w.contentType), raw: JSON.stringify(w.body) };
  }
  if (Array.isArray(json)) return { contentType: "application/reports+json", raw: line };
  if (json && typeof json === "object" && "csp-report" in json)
    return { contentType: "application/csp-report", raw: line };
  return { contentType: "application/json", raw: line };
}

/** Parse an NDJSON file of raw report bodies into violations; bad lines are reported on stderr. */
export function violationsFromNdjson(text: string): { violations: Violation[]; rejected: string[] } {
  const violations: Violation[] = [];
  const rejected: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const { contentType, raw } = bodyOf(line);
    const outcome = parseReportBody(contentType, raw);
    if (outcome.ok) violations.push(...outcome.violations);
    else rejected.push(`line ${i + 1}: ${outcome.message}`);
  });
  return { violations, rejected };
}

function parseUnsafe(values: string[] | undefined): UnsafeAcceptance[] {
  return (values ?? []).map((v) => {
    const i = v.indexOf(":");
    if (i <= 0)
      throw new CliError(`--accept-unsafe takes directive:keyword (e.g. script-src:unsafe-eval), got "${v}"`);
    return { directive: v.slice(0, i), keyword: v.slice(i + 1) };
  });
}

function htmlFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`cannot read file: ${path}`);
  }
  if (st.isFile()) return [path];
  const files: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const full = join(path, name);
    if (statSync(full).isDirectory()) files.push(...htmlFiles(full));
    else if (/\.html?$/i.test(name)) files.push(full);
  }
  return files;
}

/** Register the policy subcommands. */
export function registerPolicyCommands(program: Command): void {
  program
    .command("evaluate")
    .description("grade a policy (A–F) and list its findings")
    .argument("[policy]", "the policy; read from stdin when absent")
    .option("--json", "print {grade, findings} as JSON")
    .option("--budget <chars>", "size budget in characters (default 2000)")
    .action(async (policy: string | undefined, opts: { json?: boolean; budget?: string }) => {
      const e = evaluatePolicy(await policyArg(policy), { budget: intOption("--budget", opts.budget) });
      if (opts.json) {
        out(JSON.stringify({ grade: e.grade, findings: e.findings.map(findingJson) }));
        return;
      }
      out(`grade ${e.grade} (${e.score}/100)`);
      for (const r of e.reasons)
        out(`  -${r.points} ${r.check}${r.directive ? ` (${r.directive})` : ""}: ${r.message}`);
      for (const f of e.findings)
        out(`[${f.severity}] ${f.directive}${f.value ? ` ${f.value}` : ""}: ${f.message}`);
    });

  program
    .command("build")
    .description(
      "build a candidate policy from a file of raw report bodies (NDJSON) or a project's stored reports",
    )
    .option("--reports <file>", "NDJSON: one report request body per line ('-' for stdin)")
    .option("--project <id>", "build from a project's stored violation groups (local database, see DATA_DIR)")
    .option("--base <policy>", "the current policy (default: the strict starter)")
    .option("--json", "print policy, suggestions, decisions, grade and findings as JSON")
    .option("--min-count <n>", "reports needed before a source is applied (default 2)")
    .option("--min-pages <n>", "distinct pages needed before a source is applied (default 1)")
    .option("--report-uri <url>", "report-uri for the policy (Cinch's ingest URL)")
    .option("--report-to <group>", "report-to group name")
    .option("--accept <ids...>", "suggestion or decision ids to apply")
    .option("--reject <ids...>", "suggestion ids to leave out")
    .option("--accept-unsafe <directive:keyword...>", "unsafe keywords to allow, e.g. script-src:unsafe-eval")
    .option("--budget <chars>", "size budget in characters (default 2000)")
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      if ((opts.reports === undefined) === (opts.project === undefined)) {
        throw new CliError("give exactly one of --reports <file> or --project <id>");
      }
      const choices = {
        minCount: intOption("--min-count", opts.minCount as string | undefined),
        accepted: opts.accept as string[] | undefined,
        rejected: opts.reject as string[] | undefined,
        acceptUnsafe: parseUnsafe(opts.acceptUnsafe as string[] | undefined),
        budget: intOption("--budget", opts.budget as string | undefined),
      };
      let input: BuildInput;
      let read: string;
      if (typeof opts.project === "string") {
        const id = opts.project;
        input = await withDb(async (db, publicUrl) => {
          const project = await new ProjectStore(db).get(id);
          if (!project) throw new CliError(`no project with id ${id}`);
          const base = opts.base as string | undefined;
          const built = await projectBuildInput(db, new PolicyStore(db), project, publicUrl, {
            ...choices,
            ...(base !== undefined ? { base } : {}),
          });
          return { ...built.input, minPages: intOption("--min-pages", opts.minPages as string | undefined) };
        });
        read = `${input.groups.length} group(s) read from project ${id}`;
      } else {
        const { violations, rejected } = violationsFromNdjson(await readInput(opts.reports as string));
        for (const r of rejected) process.stderr.write(`cinch: skipped ${r}\n`);
        input = {
          ...choices,
          base: opts.base as string | undefined,
          groups: groupsFromViolations(violations, { seenAt: Date.now() }),
          minPages: intOption("--min-pages", opts.minPages as string | undefined),
          reportUri: opts.reportUri as string | undefined,
          reportToGroup: opts.reportTo as string | undefined,
        };
        read = `${violations.length} violation(s) read`;
      }
      const result = buildPolicy(input);
      if (opts.json) {
        const { policy, suggestions, decisions, grade, findings, warnings } = result;
        out(
          JSON.stringify({
            policy,
            suggestions,
            decisions,
            grade,
            findings: findings.map(findingJson),
            warnings,
          }),
        );
        return;
      }
      out(read);
      for (const s of result.suggestions) {
        out(`${s.applied ? "+" : " "} ${s.action} ${s.id} (${s.evidence.count} reports): ${s.reason}`);
      }
      for (const d of result.decisions) {
        out(`? ${d.accepted ? "accepted" : "decide"} "${d.id}": ${d.reason} — risk: ${d.risk}`);
      }
      for (const w of result.warnings) out(`! ${w}`);
      out(`grade ${result.grade} (${result.score}/100)`);
      out(result.policy);
    });

  program
    .command("export")
    .description("render a policy for a server or framework")
    .requiredOption("--format <format>", `one of ${EXPORT_FORMATS.join(", ")}`)
    .option("--report-only", "emit Content-Security-Policy-Report-Only")
    .option("--companions", "add Reporting-Endpoints, HSTS, nosniff, Referrer-Policy and X-Frame-Options")
    .argument("[policy]", "the policy; read from stdin when absent")
    .action(
      async (
        policy: string | undefined,
        opts: { format: string; reportOnly?: boolean; companions?: boolean },
      ) => {
        if (!isExportFormat(opts.format)) {
          throw new CliError(`unknown --format "${opts.format}"; use one of ${EXPORT_FORMATS.join(", ")}`);
        }
        try {
          process.stdout.write(
            exportPolicy(await policyArg(policy), opts.format, {
              reportOnly: opts.reportOnly,
              companions: opts.companions,
            }),
          );
        } catch (err) {
          if (err instanceof ExportError) throw new CliError(err.message);
          throw err;
        }
      },
    );

  program
    .command("minify")
    .description("de-duplicate and drop covered sources; warn over the size budget")
    .argument("[policy]", "the policy; read from stdin when absent")
    .option("--budget <chars>", "size budget in characters (default 2000)")
    .action(async (policy: string | undefined, opts: { budget?: string }) => {
      const r = minifyPolicy(await policyArg(policy), { budget: intOption("--budget", opts.budget) });
      for (const x of r.removed) process.stderr.write(`removed ${x.directive} ${x.source}: ${x.reason}\n`);
      for (const w of r.warnings) process.stderr.write(`cinch: warning: ${w}\n`);
      out(r.policy);
    });

  program
    .command("hash")
    .description("exact hashes of inline scripts, styles and event-handler attributes in built HTML")
    .argument("<path>", "an .html file or a directory searched for .html/.htm files")
    .option("--json", "print [{file, directive, hash, where, line, preview}] as JSON")
    .action((path: string, opts: { json?: boolean }) => {
      const all: (InlineHash & { file: string })[] = [];
      for (const file of htmlFiles(path)) {
        const rel = relative(process.cwd(), file) || file;
        for (const item of inlineHashes(readFileSync(file, "utf8"))) all.push({ file: rel, ...item });
      }
      if (opts.json) {
        out(JSON.stringify(all));
        return;
      }
      for (const i of all) out(`${i.file}:${i.line} ${i.where} ${i.hash} ${JSON.stringify(i.preview)}`);
      if (all.length === 0) out("no inline scripts, styles or handler attributes found");
      for (const line of hashDirectives(all)) out(line);
    });
}
