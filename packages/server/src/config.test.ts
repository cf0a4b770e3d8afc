// loadConfig and resolveConfig: defaults, parsing, and errors that name the variable at fault.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isTenantryError } from 'tenantry';
import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig, resolveConfig } from './config.js';

function configError(load: () => unknown): { message: string; details: Record<string, unknown> } {
  try {
    load();
  } catch (err) {
    if (isTenantryError(err, 'CONFIG_INVALID')) return { message: err.message, details: { ...err.details } };
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('applies the documented defaults when no variable is set', () => {
    const config = loadConfig({});
    expect(config).toEqual({ dataDir: resolve('.tenantry'), port: 3000, host: '127.0.0.1', logLevel: 'info', shutdownTimeoutMs: 10_000, metrics: 'off', metricsTopTenants: 20, tracing: 'off' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://admin:pw@db.internal:5433/saas',
      TENANTRY_DATA_DIR: '/var/lib/tenantry',
      TENANTRY_APP_PASSWORD: 'app-secret',
      TENANTRY_OPERATOR_PASSWORD: 'op-secret',
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://admin:pw@db.internal:5433/saas',
      dataDir: '/var/lib/tenantry',
      appPassword: 'app-secret',
      operatorPassword: 'op-secret',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ port: 3000 });
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each(['abc', '70000', '3000.5', '-1', '3e3', '80 '])('names PORT when it is %j', (port) => {
    const { message, details } = configError(() => loadConfig({ PORT: port }));
    expect(details).toEqual({ path: 'PORT', reason: 'must be an integer from 0 to 65535' });
    expect(message).toMatch(/^PORT must be an integer from 0 to 65535 \(got .+\)\.$/);
  });

  it.each(['not a url', 'mysql://root:pw@db/app', 'http://db:5432/app'])('names DATABASE_URL when it is %j, without echoing it', (url) => {
    const { message, details } = configError(() => loadConfig({ DATABASE_URL: url }));
    expect(details).toEqual({ path: 'DATABASE_URL', reason: 'must be a postgres:// or postgresql:// URL' });
    expect(message).not.toContain(url);
  });

  it('names LOG_LEVEL and lists the levels when it is not one', () => {
    const { details } = configError(() => loadConfig({ LOG_LEVEL: 'verbose' }));
    expect(details).toEqual({ path: 'LOG_LEVEL', reason: 'must be one of fatal, error, warn, info, debug, trace, silent' });
  });
});

describe('resolveConfig', () => {
  it('takes typed options and applies the same defaults', () => {
    expect(resolveConfig({ port: 0, logLevel: 'silent' })).toMatchObject({ port: 0, logLevel: 'silent', host: '127.0.0.1' });
  });

  it('names the option, not a variable, and rejects unknown options', () => {
    expect(configError(() => resolveConfig({ port: 65536 })).details).toMatchObject({ path: 'port' });
    expect(configError(() => resolveConfig({ prot: 1 } as never)).details).toEqual({ path: 'prot', reason: 'is not a known option' });
  });
});

describe('telemetry settings', () => {
  it('reads TENANTRY_METRICS, TENANTRY_METRICS_TOP_TENANTS and TENANTRY_TRACING', () => {
    expect(loadConfig({ TENANTRY_METRICS: 'operator', TENANTRY_METRICS_TOP_TENANTS: '50', TENANTRY_TRACING: 'on' })).toMatchObject({ metrics: 'operator', metricsTopTenants: 50, tracing: 'on' });
    expect(loadConfig({ TENANTRY_METRICS: 'open' }).metrics).toBe('open');
  });

  it.each([
    ['TENANTRY_METRICS', 'on', 'must be one of off, operator, open'],
    ['TENANTRY_METRICS_TOP_TENANTS', '5000', 'must be an integer from 0 to 1000'],
    ['TENANTRY_TRACING', 'yes', 'must be one of off, on'],
  ])('names %s when it is %j', (name, value, reason) => {
    expect(configError(() => loadConfig({ [name]: value })).details).toEqual({ path: name, reason });
  });
});

describe('docs/cli.md', () => {
  it('documents every variable loadConfig reads, with its default', () => {
    const page = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    for (const variable of configVariables()) {
      const row = page.split('\n').find((line) => line.startsWith(`| \`${variable.name}\``));
      expect(row, variable.name).toBeDefined();
      if (variable.default !== undefined) expect(row, variable.name).toContain(`\`${variable.default}\``);
    }
  });
});

describe('JWT settings', () => {
  it('reads the four TENANTRY_JWT_ variables when they are complete', () => {
    const config = loadConfig({ TENANTRY_JWT_ISSUER: 'https://id.example', TENANTRY_JWT_AUDIENCE: 'tenantry', TENANTRY_JWT_SECRET: 's'.repeat(32) });
    expect(config).toMatchObject({ jwtIssuer: 'https://id.example', jwtAudience: 'tenantry', jwtSecret: 's'.repeat(32) });
  });

  it('refuses half a JWT configuration, naming the missing variable', () => {
    expect(configError(() => loadConfig({ TENANTRY_JWT_SECRET: 's'.repeat(32) })).details).toMatchObject({ path: 'TENANTRY_JWT_ISSUER' });
    expect(configError(() => loadConfig({ TENANTRY_JWT_ISSUER: 'i', TENANTRY_JWT_AUDIENCE: 'a' })).details).toMatchObject({ path: 'TENANTRY_JWT_SECRET' });
  });

  it('refuses a short secret without echoing it', () => {
    const error = configError(() => loadConfig({ TENANTRY_JWT_ISSUER: 'i', TENANTRY_JWT_AUDIENCE: 'a', TENANTRY_JWT_SECRET: 'short' }));
    expect(error.details).toMatchObject({ path: 'TENANTRY_JWT_SECRET' });
    expect(error.message).not.toContain('short');
  });
});
