// A dashboard path that names no page.
import { Link } from '../components/Link.js';

export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>This dashboard has no such page. <Link to="/">Back to the tenants</Link>.</p>
    </>
  );
}
