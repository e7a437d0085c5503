// Previous / next paging with a "1–25 of 312" summary.
import { fmtInt } from "../lib/format.ts";

export function Pagination({
  offset,
  limit,
  total,
  onChange,
  label = "Pages",
}: {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
  label?: string;
}) {
  if (total === 0) return null;
  const from = Math.min(total, offset + 1);
  const to = Math.min(total, offset + limit);
  return (
    <nav className="pagination" aria-label={label}>
      <span className="pagination-summary">
        {fmtInt(from)}–{fmtInt(to)} of {fmtInt(total)}
      </span>
      <button
        type="button"
        className="btn btn-small"
        disabled={offset === 0}
        onClick={() => onChange(Math.max(0, offset - limit))}
      >
        Previous
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={offset + limit >= total}
        onClick={() => onChange(offset + limit)}
      >
        Next
      </button>
    </nav>
  );
}
