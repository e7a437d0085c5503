// placeholder
export function PolicyPage() {
  return <p>Coming soon.</p>;
}
