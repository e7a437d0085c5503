// A small colour square as SVG (fill is an attribute, so no inline style is needed).
export function Swatch({ color }: { color: string }) {
  return (
    <svg className="swatch" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">
      <rect width="10" height="10" rx="2" fill={color} />
    </svg>
  );
}
