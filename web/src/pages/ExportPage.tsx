// placeholder
export function ExportPage() {
  return <p>Coming soon.</p>;
}
