// What an alert looks like on each channel (#14): the signed webhook JSON (the payload itself is built by the
// engine), a Slack incoming-webhook message (blocks, short lines for a phone; `text` as the fallback Teams and
// Discord-compatible receivers read), and an email in plain text and HTML. Pure.
import { createHmac } from "node:crypto";
import type { AlertWebhookPayload } from "../contract/alerts.ts";

/** `X-Cinch-Signature`'s value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes under the channel secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The payload for one delivery: the stored event payload with this delivery's id (same on every retry). */
export function webhookBody(payload: AlertWebhookPayload): string {
  return JSON.stringify(payload);
}

/** Lines of facts shared by Slack and email. */
function facts(p: AlertWebhookPayload): string[] {
  const out: string[] = [];
  if (p.group) {
    out.push(`Directive: ${p.group.directive}`);
    out.push(`Blocked: ${p.group.blocked}`);
    out.push(`Reports: ${p.group.count} now, ${p.group.total} in all`);
    out.push(`First seen: ${p.group.firstSeen}`);
    out.push(`Last seen: ${p.group.lastSeen}`);
  }
  if (p.sample) {
    out.push(`Page: ${p.sample.documentUrl}`);
    if (p.sample.sourceFile) out.push(`Source: ${p.sample.sourceFile}`);
    if (p.sample.sample) out.push(`Sample: ${p.sample.sample}`);
  }
  for (const [k, v] of Object.entries(p.details)) {
    if (k === "text") continue;
    out.push(`${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return out;
}

const link = (p: AlertWebhookPayload): string => p.group?.url ?? p.project.url;

// Slack escapes: &, < and > are control characters in mrkdwn; report data is attacker-chosen.
const slackEscape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A Slack incoming-webhook message. */
export function slackMessage(p: AlertWebhookPayload): string {
  const title = slackEscape(cut(`[${p.project.name}] ${p.title}`, 150));
  const lines = facts(p).map((l) => slackEscape(cut(l, 300)));
  const text = `${title}\n${lines.join("\n")}\n${link(p)}`;
  const digest = typeof p.details.text === "string" ? slackEscape(cut(p.details.text, 2900)) : null;
  return JSON.stringify({
    text, // notification and fallback (Teams / Discord-compatible receivers read `text`)
    blocks: [
      { type: "header", text: { type: "plain_text", text: cut(`${p.project.name}: ${p.title}`, 150) } },
      ...(lines.length > 0
        ? [{ type: "section", text: { type: "mrkdwn", text: cut(lines.join("\n"), 2900) } }]
        : []),
      ...(digest ? [{ type: "section", text: { type: "mrkdwn", text: "```" + digest + "```" } }] : []),
      {
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: "Open in Cinch" }, url: link(p) }],
      },
    ],
  });
}

const html = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** An email: subject, plain text and HTML (every value escaped). */
export function emailMessage(p: AlertWebhookPayload): { subject: string; text: string; html: string } {
  const subject = cut(`[Cinch] ${p.project.name}: ${p.title}`.replace(/[\r\n]+/g, " "), 200);
  const lines = facts(p);
  const digest = typeof p.details.text === "string" ? p.details.text : "";
  const text = [p.title, "", ...lines, ...(digest ? ["", digest] : []), "", link(p)].join("\n");
  const body = [
    `<h2>${html(p.title)}</h2>`,
    lines.length > 0 ? `<ul>${lines.map((l) => `<li>${html(l)}</li>`).join("")}</ul>` : "",
    digest ? `<pre>${html(digest)}</pre>` : "",
    `<p><a href="${html(link(p))}">Open in Cinch</a></p>`,
  ].join("\n");
  return { subject, text, html: `<!doctype html><html><body>${body}</body></html>` };
}
