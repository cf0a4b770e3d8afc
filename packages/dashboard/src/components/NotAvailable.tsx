// What a panel shows when this server does not offer its routes (a feature not deployed here).
export function NotAvailable({ feature }: { feature: string }) {
  return (
    <p className="not-available" role="note">
      {feature}: not available on this server.
    </p>
  );
}
