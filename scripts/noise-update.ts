// `npm run noise:update -- [--nelmio <NelmioSecurityBundle checkout>] [--sentry <sentry checkout or security.py>]
// [--nelmio-rev <commit>] [--sentry-rev <commit>]`: regenerates server/reports/injector-hosts.ts from copies of the public noise lists it names (docs/architecture.md
// "Injector and adware hosts"). A source not given keeps the hosts the file already has from it.
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { format, resolveConfig } from "prettier";

/** Where each source keeps its list, inside a checkout of its repository. */
export const SOURCE_FILES = {
  nelmioDomains: "src/ContentSecurityPolicy/Violation/Filter/DomainsNoiseDetector.php",
  nelmioRegex: "src/ContentSecurityPolicy/Violation/Filter/DomainsRegexNoiseDetector.php",
  sentry: "src/sentry/interfaces/security.py",
} as const;

/**
 * Hosts the sources list that are not injected software but services sites embed on purpose (or whole shared
 * CDNs and platforms): Cinch matches subdomains too, so any of these would hide a real dependency from the builder
 * and break the site when the policy is enforced. The sources list them as noise for their own users' sites.
 */
export const EXCLUDED: Readonly<Record<string, string>> = {
  "a.slack-edge.com": "Slack's CDN",
  "accounts.google.com": "Google sign-in",
  "api.reftagger.com": "a site embed (Reftagger)",
  "app.abtasty.com": "A/B testing service sites embed",
  "code.abtasty.com": "A/B testing service sites embed",
  "app.sharpspring.com": "marketing service sites embed",
  "app.trackduck.com": "feedback widget sites embed",
  "apps.2gis.ru": "map widget sites embed",
  "ashishmishra.in": "a personal site",
  "at.alicdn.com": "Alibaba's icon font CDN",
  "bit.ly": "link shortener",
  "blogspot.com": "hosting platform",
  "braip.com.br": "payment service",
  "buffer.com": "share button sites embed",
  "camo.githubusercontent.com": "GitHub's image proxy",
  "capgemini.com": "a whole company domain",
  "cdn.adsnative.com": "ad network sites embed",
  "cdn.mathjax.org": "library CDN",
  "cdn.tutsplus.com": "a content site",
  "cdn.viglink.com": "affiliate service sites embed",
  "chat.rphaven.com": "a Nelmio user's own site",
  "www.rphaven.com": "a Nelmio user's own site",
  "ci.doubleclickadexchange.net": "Google ad exchange",
  "cn.bing.com": "search engine",
  "commondatastorage.googleapis.com": "Google Cloud Storage",
  "connect.facebook.net": "Facebook SDK",
  "counter.yadro.ru": "LiveInternet counter sites embed",
  "cr-input.mxpnl.net": "Mixpanel",
  "ff-input.mxpnl.net": "Mixpanel",
  "css.zohostatic.com": "Zoho widgets sites embed",
  "developer.android.com": "documentation site",
  "emakinafr.okta.com": "an Okta tenant (sign-in)",
  "zillow.okta.com": "an Okta tenant (sign-in)",
  "en.wikipedia.org": "Wikipedia",
  "getpocket.com": "Pocket (widgets.getpocket.com buttons sites embed)",
  "github.com": "GitHub",
  "godoc.org": "documentation site",
  "golang.org": "documentation site",
  "goodbits.io": "newsletter service",
  "googledrive.com": "Google Drive",
  "grammarly.io": "Grammarly's own services",
  "gs1.wac.edgecastcdn.net": "shared CDN",
  "hm.baidu.com": "Baidu Analytics sites embed",
  "huaban.com": "share button sites embed",
  "hwcdn.net": "shared CDN",
  "akamaihd.net": "shared CDN",
  "i.kinja-img.com": "image CDN",
  "i0.wp.com": "WordPress image CDN",
  "knpbundles.com": "a content site",
  "lab.maltewassermann.com": "a personal site",
  "mc.yandex.ru": "Yandex Metrica sites embed",
  "me.captnemo.in": "a personal site",
  "media.tenor.co": "GIF CDN",
  "media-dmg.assets-cdk.com": "a CMS CDN",
  "media.tumblr.com": "Tumblr media",
  "music.baidu.com": "a content site",
  "nytimes.github.io": "GitHub Pages",
  "reek.github.io": "GitHub Pages",
  "p1.answerdash.com": "help widget sites embed",
  "php.net": "documentation site",
  "pinterest.com": "Pinterest widgets sites embed",
  "pipes.yahoo.com": "Yahoo API",
  "query.yahooapis.com": "Yahoo API",
  "r1---sn-huoj5hxgvvo-qa5e.googlevideo.com": "YouTube video host",
  "rawgit.com": "file CDN",
  "realpython.com": "a content site",
  "s.aolcdn.com": "AOL CDN",
  "s.ytimg.com": "YouTube's static host",
  "s11.cnzz.com": "CNZZ analytics sites embed",
  "s3-us-west-1.amazonaws.com": "Amazon S3",
  "s3.amazonaws.com": "Amazon S3",
  "s3.eu-central-1.amazonaws.com": "Amazon S3",
  "scontent.xx.fbcdn.net": "Facebook CDN",
  "secure.adnxs.com": "ad exchange sites embed",
  "siteheart.net": "chat widget sites embed",
  "sprymedia.co.uk": "DataTables' site",
  "static.cardekho.com": "a content site",
  "static.weibopay.com": "payment service",
  "stats.g.doubleclick.net": "Google Analytics",
  "tags.bkrtx.com": "tag service sites embed",
  "translate.google.com": "Google Translate widget sites embed",
  "translate.googleapis.com": "Google Translate widget sites embed",
  "tts.baidu.com": "speech API",
  "usage.trackjs.com": "error tracking sites embed",
  "widgets.amung.us": "visitor counter sites embed",
  "www.baidu.com": "search engine",
  "www.facebook.com": "Facebook",
  "www.googletagmanager.com": "Google Tag Manager",
  "www.instapaper.com": "save button sites embed",
  "www.macleans.ca": "a content site",
  "www.parsely.com": "analytics sites embed",
  "www.seats2meet.com": "a content site",
  "www.spendesk.com": "a company site",
  "www.tailwindapp.com": "a company site",
  "youdao.com": "a portal (youdao.com)",
};

/**
 * Cinch's own additions, each a well-known injector: antivirus and ad blockers that inject into every page
 * (seen in reports on this project's own test sites and in the sources' issue trackers).
 */
export const CINCH_HOSTS: Readonly<Record<string, string>> = {
  "kaspersky-labs.com": "Kaspersky's traffic scanner injects gc.kis.v2.scr.kaspersky-labs.com/*/main.js",
  "injections.adguard.com": "AdGuard for Windows/Mac injects its content script",
  "local.adguard.org": "AdGuard's newer injection host",
};

// A host name as Cinch stores it: lower-case labels, a dot, an alphabetic top-level label (drops single labels
// like "localhost", bare schemes like "about" and IP-like values like "www.127.0.0.1").
const HOST = /^(?:[a-z0-9_-]+\.)+[a-z][a-z-]*[a-z]$/;

/** The host an entry of a list names, or null when it names a scheme, a single label or nothing usable. */
export function hostOfEntry(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  if (s.includes("://")) return null; // scheme patterns: Cinch's EXTENSION_SCHEMES cover them
  while (s.endsWith("/") || s.endsWith(".")) s = s.slice(0, -1);
  if (s.startsWith("*.")) s = s.slice(2); // a host matches its subdomains anyway
  if (s.endsWith(":*")) s = s.slice(0, -2);
  return HOST.test(s) ? s : null;
}

/** Entries of NelmioSecurityBundle's DomainsNoiseDetector.php: the keys of `'host' => true`. */
export function entriesFromNelmioDomains(php: string): string[] {
  return [...php.matchAll(/'([^'\n]{1,253})'\s*=>\s*true/g)].map((m) => m[1]!);
}

/**
 * Hosts of NelmioSecurityBundle's DomainsRegexNoiseDetector.php. Only patterns of the form
 * `^https?:\/\/` + optional subdomain wildcard + a literal host are read; others are left out.
 */
export function entriesFromNelmioRegex(php: string): string[] {
  const out: string[] = [];
  for (const m of php.matchAll(/'\/\^https\?:\\\/\\\/([^'\n]{1,300})\/'/g)) {
    let s = m[1]!;
    for (const prefix of [".*\\.", ".+\\.", ".*.", "\\*\\.", "\\d+\\."]) {
      if (s.startsWith(prefix)) {
        s = s.slice(prefix.length);
        break;
      }
    }
    s = s.replaceAll("\\.", ".");
    if (/[\\*+?()[\]{}|^$]/.test(s) || s.endsWith(".")) continue;
    out.push(s);
  }
  return out;
}

/** Entries of Sentry's DEFAULT_DISALLOWED_SOURCES tuple (src/sentry/interfaces/security.py). */
export function entriesFromSentry(py: string): string[] {
  const start = py.indexOf("DEFAULT_DISALLOWED_SOURCES = (");
  if (start === -1) return [];
  const end = py.indexOf(")", start + 30);
  const body = py.slice(start, end === -1 ? undefined : end);
  return [...body.matchAll(/["']([^"'\n]{1,253})["']/g)].map((m) => m[1]!);
}

/** The sorted, de-duplicated hosts of a list's entries, without the excluded ones. */
export function curate(entries: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const e of entries) {
    const h = hostOfEntry(e);
    if (h !== null && !Object.hasOwn(EXCLUDED, h)) hosts.add(h);
  }
  return [...hosts].sort();
}

/** One source's hosts and where they were read. */
export type SourceList = { read: string; hosts: readonly string[] };
export type Sources = { nelmio: SourceList; sentry: SourceList };

const HEADER = `// Injector and adware hosts: a report whose blocked URL or source file is on one of these hosts, or on a
// subdomain of one, is noise "injector". GENERATED by \`npm run noise:update\` (scripts/noise-update.ts): change the
// script's EXCLUDED or CINCH_HOSTS tables, or give it newer copies of the sources; never edit this file by hand.
//
// Sources (docs/architecture.md "Injector and adware hosts"); host names are taken as facts, no code is copied:
// - nelmio: NelmioSecurityBundle (github nelmio/NelmioSecurityBundle, MIT licence, (c) Nelmio),
//   ${SOURCE_FILES.nelmioDomains} and DomainsRegexNoiseDetector.php.
// - sentry: Sentry (github getsentry/sentry), DEFAULT_DISALLOWED_SOURCES in ${SOURCE_FILES.sentry}
//   (BSD-3-Clause in the revisions up to 2019, Business Source License then FSL since); Relay applies it as
//   \`csp.disallowedSources\`.
// - cinch: Cinch's own additions (MIT, this repository), with a reason each in scripts/noise-update.ts.
// Left out of all: scheme patterns (EXTENSION_SCHEMES in noise.ts covers them), single labels such as
// localhost, and the services sites embed on purpose that the sources list (EXCLUDED in the script).
`;

/** The text of server/reports/injector-hosts.ts for these lists. */
export function render(sources: Sources): string {
  const list = (hosts: readonly string[]) => hosts.map((h) => `    ${JSON.stringify(h)},`).join("\n");
  const cinch = Object.keys(CINCH_HOSTS).sort();
  return `${HEADER}
/** Where each list was read (file, sha256 prefix of the copy, date of the update). */
export const INJECTOR_HOSTS_READ = {
  nelmio: ${JSON.stringify(sources.nelmio.read)},
  sentry: ${JSON.stringify(sources.sentry.read)},
} as const;

/** The hosts, by source: lower-case, sorted; a host matches itself and its subdomains. */
export const INJECTOR_HOSTS_BY_SOURCE: Readonly<Record<"nelmio" | "sentry" | "cinch", readonly string[]>> = {
  nelmio: [
${list(sources.nelmio.hosts)}
  ],
  sentry: [
${list(sources.sentry.hosts)}
  ],
  cinch: [
${list(cinch)}
  ],
};
`;
}

function readCopy(arg: string, inRepo: string): { text: string; file: string } {
  const file = statSync(arg).isDirectory() ? path.join(arg, inRepo) : arg;
  return { text: readFileSync(file, "utf8"), file };
}

function stamp(texts: readonly string[], label: string, rev: string | undefined): string {
  const sha = createHash("sha256").update(texts.join("\n")).digest("hex").slice(0, 12);
  const at = rev === undefined ? "" : ` at ${rev}`;
  return `${label}${at}, sha256 ${sha}, read ${new Date().toISOString().slice(0, 10)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nelmio: { type: "string" },
      sentry: { type: "string" },
      "nelmio-rev": { type: "string" },
      "sentry-rev": { type: "string" },
      out: { type: "string", default: "server/reports/injector-hosts.ts" },
    },
  });
  const out = path.resolve(values.out);
  const current = (await import(pathToFileURL(out).href)) as {
    INJECTOR_HOSTS_READ: { nelmio: string; sentry: string };
    INJECTOR_HOSTS_BY_SOURCE: { nelmio: readonly string[]; sentry: readonly string[] };
  };
  const sources: Sources = {
    nelmio: {
      read: current.INJECTOR_HOSTS_READ.nelmio,
      hosts: curate(current.INJECTOR_HOSTS_BY_SOURCE.nelmio),
    },
    sentry: {
      read: current.INJECTOR_HOSTS_READ.sentry,
      hosts: curate(current.INJECTOR_HOSTS_BY_SOURCE.sentry),
    },
  };
  if (values.nelmio !== undefined) {
    const domains = readCopy(values.nelmio, SOURCE_FILES.nelmioDomains);
    // The regex list sits beside the domain list; a single file given alone is read as the domain list.
    const regexFile = path.join(path.dirname(domains.file), path.basename(SOURCE_FILES.nelmioRegex));
    let regex = "";
    try {
      regex = readFileSync(regexFile, "utf8");
    } catch {
      console.warn(`noise:update: no ${regexFile}; reading the domain list only`);
    }
    const entries = [...entriesFromNelmioDomains(domains.text), ...entriesFromNelmioRegex(regex)];
    if (entries.length === 0) throw new Error(`no hosts found in ${domains.file}`);
    sources.nelmio = {
      read: stamp([domains.text, regex], "DomainsNoiseDetector.php", values["nelmio-rev"]),
      hosts: curate(entries),
    };
  }
  if (values.sentry !== undefined) {
    const copy = readCopy(values.sentry, SOURCE_FILES.sentry);
    const entries = entriesFromSentry(copy.text);
    if (entries.length === 0) throw new Error(`no DEFAULT_DISALLOWED_SOURCES found in ${copy.file}`);
    sources.sentry = {
      read: stamp([copy.text], "security.py", values["sentry-rev"]),
      hosts: curate(entries),
    };
  }
  // Formatted as the repository's prettier would, so `npm run format:check` passes on a fresh update.
  writeFileSync(out, await format(render(sources), { ...(await resolveConfig(out)), filepath: out }));
  const total = new Set([...sources.nelmio.hosts, ...sources.sentry.hosts, ...Object.keys(CINCH_HOSTS)]).size;
  console.log(
    `noise:update: ${sources.nelmio.hosts.length} nelmio, ${sources.sentry.hosts.length} sentry, ` +
      `${Object.keys(CINCH_HOSTS).length} cinch hosts (${total} distinct) → ${path.relative(process.cwd(), out)}`,
  );
  console.log(
    "check it with `npx vitest run test/reports/noise.test.ts` and review the diff before committing",
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
