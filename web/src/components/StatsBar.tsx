// The explorer's stat cards from the server's one definition of each number (GET /summary, #16): each card says
// what it counts and whether the filters narrow it; refused reports are listed by reason in words, the id and its
// explanation on hover or focus.
import type { StatCardDto, SummaryDto } from "../../../server/contract.ts";
import { fmtInt } from "../lib/format.ts";
import { Tip } from "./Tip.tsx";

function Card({ card, summary }: { card: StatCardDto; summary: SummaryDto }) {
  const reasons = card.id === "rejected" ? summary.rejected.filter((r) => r.count > 0) : [];
  return (
    <div className={`stat stat-${card.id}`}>
      <dt>
        <Tip text={card.counts}>{card.label}</Tip>
      </dt>
      <dd>
        {fmtInt(card.value)}
        <span className="stat-detail">
          {card.followsFilters ? "matching the filters" : "whole project, filters not applied"}
        </span>
        {reasons.length ? (
          <ul className="stat-reasons" aria-label="Refused reports by reason">
            {reasons.map((r) => (
              <li key={r.id}>
                <Tip text={`${r.description} (${r.id})`}>{r.label}</Tip> <span>{fmtInt(r.count)}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </dd>
    </div>
  );
}

export function StatsBar({ summary }: { summary: SummaryDto }) {
  return (
    <dl className="stats-bar" aria-label="Report totals in this range">
      {summary.cards.map((c) => (
        <Card key={c.id} card={c} summary={summary} />
      ))}
    </dl>
  );
}
