// Live tail: reports as they arrive (Server-Sent Events), newest first, with pause/resume and clear.
import { useState } from "react";
import { useProject } from "../hooks/project.tsx";
import { useTail } from "../hooks/useTail.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { fmtInt, fmtTime } from "../lib/format.ts";
import { Empty } from "../components/State.tsx";
import { Swatch } from "../components/Swatch.tsx";
import { Link, pathFor } from "../lib/router.tsx";
import { Untrusted } from "../components/Untrusted.tsx";

const STATE_LABEL = { connecting: "Connecting…", open: "Live", closed: "Disconnected" } as const;

export function LivePage() {
  const { project } = useProject();
  useTitle("Live tail", project.name);
  const [paused, setPaused] = useState(false);
  const { events, state, missed, clear } = useTail(project.id, { paused });
  return (
    <section aria-labelledby="live-title">
      <div className="page-head">
        <h2 id="live-title">Live tail</h2>
        <div className="toolbar">
          <span className={`status status-${state}`} role="status">
            <span className="status-dot" aria-hidden="true" />
            {paused ? "Paused" : STATE_LABEL[state]}
          </span>
          <button type="button" className="btn" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
            {paused ? `Resume${missed ? ` (${fmtInt(missed)} skipped)` : ""}` : "Pause"}
          </button>
          <button type="button" className="btn btn-ghost" onClick={clear} disabled={events.length === 0}>
            Clear
          </button>
        </div>
      </div>
      <p className="hint">
        Reports appear here a moment after they are stored (at most 20 per batch are shown). The newest 200
        are kept.
      </p>
      {events.length === 0 ? (
        <div className="card">
          <Empty title={state === "closed" ? "The live connection is closed." : "Waiting for reports…"}>
            <p>
              Open a page that sends reports to this project, or see the{" "}
              <Link to={pathFor("install", { id: project.id })}>install instructions</Link>.
            </p>
          </Empty>
        </div>
      ) : (
        <div className="card card-flush">
          <ol className="tail" aria-label="Arriving reports, newest first">
            {events.map((e) => (
              <li key={e.key} className="tail-item">
                <time dateTime={e.receivedAt} className="tail-time">
                  {fmtTime(e.receivedAt)}
                </time>
                <span className="directive">
                  <Swatch directive={e.directive} />
                  <Untrusted text={e.directive} />
                </span>
                <Untrusted className="mono break tail-blocked" text={e.blocked || "(empty)"} />
                <Untrusted className="mono muted break tail-page" text={e.documentUrl} />
                <span className="tail-meta">
                  {e.noise ? <span className="badge badge-noise">noise: {e.noise}</span> : null}
                  <span className="muted">{e.browser}</span>
                </span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
