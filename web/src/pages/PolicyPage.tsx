// Policy builder: current vs candidate with a diff, suggestions with evidence (accept / reject / ignore), risky
// decisions behind a confirmation, grade / findings / size and the impact preview updating as choices change,
// and "save as draft version".
import { useEffect, useMemo, useState } from "react";
import type { BuildResultDto, PreviewDto, SuggestionDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useTitle } from "../hooks/useTitle.ts";
import { useDebounced } from "../hooks/useDebounced.ts";
import { fmtInt } from "../lib/format.ts";
import { navigate, pathFor } from "../lib/router.tsx";
import { ErrorState, FormError, Loading } from "../components/State.tsx";
import { PolicyDiff } from "../components/PolicyDiff.tsx";
import { GradeCard } from "../components/GradeCard.tsx";
import { ImpactCard } from "../components/ImpactCard.tsx";
import { SuggestionCard, type Choice } from "../components/SuggestionCard.tsx";
import { BulkChoices } from "../components/BulkChoices.tsx";
import { useBuilderChoices } from "../hooks/useBuilderChoices.ts";
import { DecisionCard } from "../components/DecisionCard.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { Dialog } from "../components/Dialog.tsx";
import { Sentence, showBidiControls, Untrusted } from "../components/Untrusted.tsx";

type Filter = "all" | "applied" | "pending" | "decided";

function byDirective(list: SuggestionDto[]): [string, SuggestionDto[]][] {
  const m = new Map<string, SuggestionDto[]>();
  for (const s of list) {
    const arr = m.get(s.directive) ?? [];
    arr.push(s);
    m.set(s.directive, arr);
  }
  return [...m];
}

export function PolicyPage() {
  const api = useApi();
  const { project, setProject } = useProject();
  useTitle("Policy builder", project.name);
  // In the URL: they survive a reload and a visit to an evidence link (#16).
  const { choices, decisions, choose: chooseMany, setDecision, reset } = useBuilderChoices();
  const [result, setResult] = useState<BuildResultDto | null>(null);
  const [buildError, setBuildError] = useState<Error | null>(null);
  const [building, setBuilding] = useState(true);
  const [buildTick, setBuildTick] = useState(0);
  const [preview, setPreview] = useState<PreviewDto | undefined>(undefined);
  const [previewError, setPreviewError] = useState<Error | null>(null);
  const [previewTick, setPreviewTick] = useState(0);
  const [filter, setFilter] = useState<Filter>("all");
  const [ignoring, setIgnoring] = useState<{ id: string; host: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const [saving, setSaving] = useState(false);

  const request = useMemo(() => {
    const accepted = Object.entries(choices)
      .filter(([, c]) => c === "accept")
      .map(([id]) => id);
    const rejected = Object.entries(choices)
      .filter(([, c]) => c !== "accept")
      .map(([id]) => id);
    return { accepted: [...accepted, ...decisions], rejected };
  }, [choices, decisions]);
  const requestKey = useDebounced(JSON.stringify(request), 150);

  useEffect(() => {
    let stale = false;
    setBuilding(true);
    setBuildError(null);
    api.buildPolicy(project.id, JSON.parse(requestKey) as typeof request).then(
      (r) => {
        if (stale) return;
        setResult(r);
        setBuilding(false);
      },
      (e: unknown) => {
        if (stale) return;
        setBuildError(e as Error);
        setBuilding(false);
      },
    );
    return () => {
      stale = true;
    };
  }, [api, project.id, requestKey, buildTick]);

  const candidate = result?.policy;
  useEffect(() => {
    if (candidate === undefined) return undefined;
    let stale = false;
    setPreviewError(null);
    api.previewPolicy(project.id, candidate).then(
      (p) => !stale && setPreview(p),
      (e: unknown) => !stale && setPreviewError(e as Error),
    );
    return () => {
      stale = true;
    };
  }, [api, project.id, candidate, previewTick]);

  const choose = (id: string, c: Choice | undefined) => chooseMany([id], c);

  const confirmIgnore = async () => {
    if (!ignoring) return;
    const { id, host } = ignoring;
    setIgnoring(null);
    setActionError(null);
    try {
      const hosts = project.settings.ignoreRules.hosts;
      let past = "";
      if (!hosts.includes(host)) {
        const { reclassified, ...p } = await api.updateProject(project.id, {
          // Only the hosts list: the server keeps the stored schemes and samples (a stale copy here must not undo them).
          settings: { ignoreRules: { hosts: [...hosts, host] } },
        });
        setProject(p);
        // The rule reaches the past: the stored groups it matches are noise now too.
        const g = reclassified?.ignored.groups ?? 0;
        const r = reclassified?.ignored.reports ?? 0;
        if (g > 0)
          past = `, and ${fmtInt(g)} stored ${g === 1 ? "group" : "groups"} (${fmtInt(r)} ${r === 1 ? "report" : "reports"}) moved to noise with them`;
      }
      choose(id, "ignore");
      setNotice(`Future reports from ${host} are stored as noise${past}. Edit ignore rules in Settings.`);
    } catch (e) {
      setActionError(e as Error);
    }
  };

  const save = async () => {
    if (!result) return;
    setSaving(true);
    setActionError(null);
    try {
      const v = await api.createVersion(project.id, result.policy, {
        source: "builder",
        baseVersion: result.baseVersion,
        accepted: request.accepted,
        rejected: request.rejected,
      });
      navigate(`${pathFor("versions", { id: project.id })}?created=${v.version}`);
    } catch (e) {
      setActionError(e as Error);
      setSaving(false);
    }
  };

  if (!result) {
    return (
      <section aria-labelledby="builder-title">
        <div className="page-head">
          <h2 id="builder-title">Policy builder</h2>
        </div>
        {buildError ? (
          <ErrorState
            error={buildError}
            retry={() => setBuildTick((t) => t + 1)}
            title="The builder could not run"
          />
        ) : (
          <Loading label="Building a policy from your reports…" />
        )}
      </section>
    );
  }

  const suggestions = result.suggestions.filter((s) => {
    if (filter === "applied") return s.applied;
    if (filter === "pending") return !s.applied && !choices[s.id] && s.action !== "refuse";
    if (filter === "decided") return choices[s.id] !== undefined;
    return true;
  });
  const appliedCount = result.suggestions.filter((s) => s.applied).length;
  // Sources the enforced policy blocked on real pages: listed apart, never among the routine choices.
  const blocked = result.decisions.filter((d) => d.kind === "blocked-in-production");
  const risky = result.decisions.filter((d) => d.kind !== "blocked-in-production");
  const blockedSince = blocked.find((d) => d.blockedSince !== undefined)?.blockedSince;
  const decisionToggle = (id: string) => (acc: boolean) => setDecision(id, acc);
  const decidedCount = Object.keys(choices).length + decisions.length;
  const currentLabel = result.baseVersion !== null ? `version ${result.baseVersion}` : "starter policy";

  return (
    <section aria-labelledby="builder-title">
      <div className="page-head">
        <h2 id="builder-title">Policy builder</h2>
        <div className="toolbar">
          <button type="button" className="btn" disabled={decidedCount === 0} onClick={reset}>
            Reset choices
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={saving || building}
            onClick={() => void save()}
          >
            {saving ? "Saving…" : "Save as draft version"}
          </button>
        </div>
      </div>
      <p className="lead">
        Cinch proposes a policy from the reports it collected. Suggestions with enough evidence are in the
        candidate; accept one to include it anyway, reject one to leave it out.
      </p>
      {notice ? (
        <p className="notice notice-success" role="status">
          <Sentence text={notice} />
        </p>
      ) : null}
      <FormError error={actionError} />
      {buildError ? (
        <ErrorState
          error={buildError}
          retry={() => setBuildTick((t) => t + 1)}
          title="The last change could not be applied"
        />
      ) : null}
      {result.warnings.length ? (
        <ul className="warnings" aria-label="Builder warnings">
          {result.warnings.map((w) => (
            <li key={w}>
              <Sentence text={w} />
            </li>
          ))}
        </ul>
      ) : null}

      <div className="builder">
        <div className="builder-main">
          <section className="card" aria-labelledby="diff-title" aria-busy={building}>
            <div className="suggestion-head">
              <h3 className="card-title" id="diff-title">
                Current and candidate
              </h3>
              <CopyButton text={result.policy} label="Copy candidate" />
            </div>
            <PolicyDiff current={result.base} candidate={result.policy} currentLabel={currentLabel} />
          </section>

          {blocked.length ? (
            <section className="card card-danger" aria-labelledby="blocked-title">
              <h3 className="card-title" id="blocked-title">
                Blocked in production since{" "}
                {blockedSince === undefined ? "the enforced version" : `v${blockedSince}`} (
                {fmtInt(blocked.length)})
              </h3>
              <p className="hint">
                The enforced policy blocked these on real pages. Injected code (an XSS payload, a card
                skimmer, an ad injector from a browser extension) reports exactly like this, so Cinch never
                adds them on evidence, whatever their count. Allow one only if your own team added it.
              </p>
              {blocked.map((d) => (
                <DecisionCard
                  key={d.id}
                  d={{ ...d, accepted: decisions.includes(d.id) || d.accepted }}
                  onChange={decisionToggle(d.id)}
                />
              ))}
            </section>
          ) : null}

          <section className="card" aria-labelledby="suggestions-title">
            <div className="suggestion-head">
              <h3 className="card-title" id="suggestions-title">
                Suggestions ({fmtInt(result.suggestionCount)})
              </h3>
              <div className="field">
                <label htmlFor="suggestion-filter" className="visually-hidden">
                  Show suggestions
                </label>
                <select
                  id="suggestion-filter"
                  value={filter}
                  onChange={(e) => setFilter(e.target.value as Filter)}
                >
                  <option value="all">All suggestions</option>
                  <option value="applied">In the candidate ({fmtInt(appliedCount)})</option>
                  <option value="pending">Below the threshold</option>
                  <option value="decided">Decided by you ({fmtInt(Object.keys(choices).length)})</option>
                </select>
              </div>
            </div>
            <p className="hint choice-help">
              <strong>Accept</strong>: include it even below the evidence threshold (
              {fmtInt(project.settings.evidenceThreshold)}{" "}
              {project.settings.evidenceThreshold === 1 ? "report" : "reports"}). <strong>Reject</strong>:
              leave it out even with enough evidence. <strong>Ignore</strong>: leave it out and store the
              host&apos;s future reports as noise. Your choices are kept in this page&apos;s address.
            </p>
            <BulkChoices suggestions={result.suggestions} onChoose={chooseMany} />
            {result.suggestionCount > result.suggestions.length ? (
              <p className="muted">
                Showing the first {fmtInt(result.suggestions.length)} suggestions; the candidate policy
                includes every applied one.
              </p>
            ) : null}
            {suggestions.length === 0 ? (
              <p className="muted">
                {result.suggestions.length === 0
                  ? "No suggestions: the candidate already covers every report (or there are none yet)."
                  : "No suggestions match this filter."}
              </p>
            ) : (
              byDirective(suggestions).map(([directive, list]) => (
                <div key={directive}>
                  <h4 className="mono">{directive}</h4>
                  {list.map((s) => (
                    <SuggestionCard
                      key={s.id}
                      s={s}
                      threshold={project.settings.evidenceThreshold}
                      choice={choices[s.id]}
                      onChoose={(c) => choose(s.id, c)}
                      onIgnore={(host) => setIgnoring({ id: s.id, host })}
                    />
                  ))}
                </div>
              ))
            )}
          </section>

          {risky.length ? (
            <section className="card" aria-labelledby="decisions-title">
              <h3 className="card-title" id="decisions-title">
                Risky choices ({fmtInt(result.decisionCount - blocked.length)})
              </h3>
              {result.decisionCount > result.decisions.length ? (
                <p className="muted">
                  Showing the first {fmtInt(risky.length)}; none of the others is in the candidate.
                </p>
              ) : null}
              <p className="hint">
                Reports asked for these, but each weakens the policy. Cinch never adds them unless you accept
                the risk.
              </p>
              {risky.map((d) => (
                <DecisionCard
                  key={d.id}
                  d={{ ...d, accepted: decisions.includes(d.id) || d.accepted }}
                  onChange={decisionToggle(d.id)}
                />
              ))}
            </section>
          ) : null}
        </div>
        <aside className="builder-side" aria-label="Candidate quality">
          <GradeCard
            grade={result.grade}
            score={result.score}
            size={result.size}
            findings={result.findings}
            busy={building}
            breakdown={result.breakdown}
          />
          <ImpactCard
            projectId={project.id}
            preview={preview}
            error={previewError}
            retry={() => setPreviewTick((t) => t + 1)}
          />
        </aside>
      </div>
      {ignoring ? (
        <Dialog
          title={`Ignore ${showBidiControls(ignoring.host)}?`}
          onClose={() => setIgnoring(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setIgnoring(null)}>
                Cancel
              </button>
              <button type="button" className="btn btn-primary" onClick={() => void confirmIgnore()}>
                Ignore host
              </button>
            </>
          }
        >
          <p>
            <code className="break">
              <Untrusted text={ignoring.host} />
            </code>{" "}
            (and its subdomains) is added to this project’s ignore rules: future reports from it are stored as
            noise. This suggestion is left out of the candidate.
          </p>
        </Dialog>
      ) : null}
    </section>
  );
}
