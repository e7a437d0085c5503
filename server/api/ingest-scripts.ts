// Ingest's script step (#18): a request's csp-hash / integrity-violation reports → sightings for the writer, under
// the project's rules (allowed origins, payment pages, accepted URL patterns). Never sampled: an inventory with
// holes would miss the one changed script it exists to catch; rate limits and the daily cap count them.
import type { ScriptReport } from "../reports/wire-scripts.ts";
import type { ProjectRecord } from "../store/projects.ts";
import type { ScriptStore } from "../store/scripts.ts";
import { sightingsOf, type ScriptSighting } from "../scripts/sighting.ts";

const NONE: { sightings: ScriptSighting[]; foreign: number } = { sightings: [], foreign: 0 };

/** The sightings to store, and how many reports came from pages off the project's allowed origins. */
export async function scriptSightings(
  store: ScriptStore,
  project: ProjectRecord,
  reports: readonly ScriptReport[],
): Promise<{ sightings: ScriptSighting[]; foreign: number }> {
  if (reports.length === 0) return NONE;
  const { allowedOrigins, paymentPages } = project.settings;
  const allowed =
    allowedOrigins.length === 0
      ? reports
      : reports.filter((r) =>
          allowedOrigins.some((o) => r.documentUrl === o || r.documentUrl.startsWith(`${o}/`)),
        );
  if (allowed.length === 0) return { sightings: [], foreign: reports.length };
  const patterns = await store.patterns(project.id);
  return {
    sightings: sightingsOf(allowed, { paymentPages, patterns }),
    foreign: reports.length - allowed.length,
  };
}
