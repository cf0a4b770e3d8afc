// `tenantry targets …` and the placement line of `tenantry tenants show`, as child processes
// against a real database (docs/tiers.md, docs/cli.md). `migrate --tenants`: cli-migrate-tenants.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlacement } from 'tenantry/testing';
import { placementCliFixture, type PlacementCliFixture } from './support/placement-cli.js';
import type { CliResult } from './support/cli.js';

const SLOW = { timeout: 180_000 };
let fixture: PlacementCliFixture;
let p: TestPlacement;
const tenantry = (...args: string[]) => fixture.tenantry(...args);
const json = <T>(result: CliResult): T => JSON.parse(result.stdout) as T;

beforeAll(async () => {
  fixture = await placementCliFixture();
  ({ p } = fixture);
});
afterAll(() => fixture?.close());

describe('tenantry targets', SLOW, () => {
  it('adds, lists and drains targets, and refuses a URL with a password', async () => {
    const added = await tenantry('targets', 'add', 'eu-1', '--url', 'postgres://db-eu.internal:5432/postgres', '--region', 'eu', '--weight', '2', '--json');
    expect(added.code).toBe(0);
    expect(json(added)).toMatchObject({ name: 'eu-1', region: 'eu', weight: 2, state: 'open', tenants: 0 });
    const refused = await tenantry('targets', 'add', 'leaky', '--url', 'postgres://admin:secret@db:5432/postgres', '--region', 'eu');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TARGET_INVALID');
    expect(refused.stderr).not.toContain('secret');
    await tenantry('targets', 'drain', 'eu-1');
    const listed = await tenantry('targets', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^eu-1\s+eu\s+draining\s+2\s+0\s+postgres:\/\/db-eu\.internal:5432\/postgres$/m);
    expect(listed.stdout).toMatch(/^home\s+default\s+open\s+1\s+0\s+\(the control database\)$/m);
  });

  it('tenants show prints where a placed tenant lives', async () => {
    const tenant = await p.create('placed-co', 'schema');
    const shown = await tenantry('tenants', 'show', 'placed-co');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^placed\\s+home schema tenant_${tenant.id.replaceAll('-', '')} \\(region preferred\\)$`, 'm'));
    expect(json<{ placement: unknown }>(await tenantry('tenants', 'show', 'placed-co', '--json')).placement).toMatchObject({ tier: 'schema', target: 'home' });
  });
});
