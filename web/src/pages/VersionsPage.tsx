// placeholder
export function VersionsPage() {
  return <p>Coming soon.</p>;
}
