// loadConfig and resolveConfig: defaults, parsing, and errors that name the variable at fault.
import { readFileSync } from 'node:fs';
import { isTenantryError } from 'tenantry';
import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig, parseAlertRules, resolveConfig } from './config.js';

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
    expect(config).toEqual({
      preparedStatements: 'auto', port: 3000, host: '127.0.0.1', logLevel: 'info', shutdownTimeoutMs: 10_000,
      rateLimitPerMinute: 600, rateLimitBurst: 100, rateLimitApiKeyPerMinute: 300, rateLimitApiKeyBurst: 50, rateLimitOnUnavailable: 'local', healthWindowMinutes: 15,
      metrics: 'off', metricsTopTenants: 20, tracing: 'parent',
      appPoolSize: 10, operatorPoolSize: 4, poolAcquireTimeoutMs: 5_000, tenantDeadlineMs: 5_000, operatorDeadlineMs: 10_000, exportDeadlineMs: 60_000,
      billingDegradeTo: 'read_only', billingGraceDays: 14, billingIssuer: 'INV', billingTaxRatePpm: 0, billingTickSeconds: 60,
    });
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
    ['TENANTRY_TRACING', 'yes', 'must be one of off, parent, on'],
  ])('names %s when it is %j', (name, value, reason) => {
    expect(configError(() => loadConfig({ [name]: value })).details).toEqual({ path: name, reason });
  });
});

describe('TENANTRY_PREPARED_STATEMENTS', () => {
  it('defaults to auto, takes off (for PgBouncer < 1.21 in transaction mode), and names itself otherwise', () => {
    expect(loadConfig({}).preparedStatements).toBe('auto');
    expect(loadConfig({ TENANTRY_PREPARED_STATEMENTS: 'off' }).preparedStatements).toBe('off');
    expect(configError(() => loadConfig({ TENANTRY_PREPARED_STATEMENTS: 'unnamed' })).details).toEqual({ path: 'TENANTRY_PREPARED_STATEMENTS', reason: 'must be one of auto, off' });
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

describe('Redis and rate-limit settings', () => {
  it('reads REDIS_URL and the rate-limit variables', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://:pw@cache.internal:6380/2',
      RATE_LIMIT_PER_MINUTE: '1200',
      RATE_LIMIT_BURST: '40',
      RATE_LIMIT_API_KEY_PER_MINUTE: '60',
      RATE_LIMIT_API_KEY_BURST: '10',
      RATE_LIMIT_ON_UNAVAILABLE: 'closed',
    });
    expect(config).toMatchObject({
      redisUrl: 'rediss://:pw@cache.internal:6380/2',
      rateLimitPerMinute: 1200, rateLimitBurst: 40, rateLimitApiKeyPerMinute: 60, rateLimitApiKeyBurst: 10, rateLimitOnUnavailable: 'closed',
    });
  });

  it.each(['http://cache:6379', 'not a url', 'postgres://db/app'])('names REDIS_URL when it is %j, without echoing it', (url) => {
    const { message, details } = configError(() => loadConfig({ REDIS_URL: url }));
    expect(details).toEqual({ path: 'REDIS_URL', reason: 'must be a redis:// or rediss:// URL' });
    expect(message).not.toContain(url);
  });

  it.each([['RATE_LIMIT_PER_MINUTE', '0'], ['RATE_LIMIT_BURST', 'ten'], ['RATE_LIMIT_API_KEY_BURST', '2000000']])('names %s when it is %j', (name, value) => {
    expect(configError(() => loadConfig({ [name]: value })).details).toEqual({ path: name, reason: 'must be an integer from 1 to 1000000' });
  });

  it('names RATE_LIMIT_ON_UNAVAILABLE and lists the modes', () => {
    expect(configError(() => loadConfig({ RATE_LIMIT_ON_UNAVAILABLE: 'fail-open' })).details).toEqual({
      path: 'RATE_LIMIT_ON_UNAVAILABLE', reason: 'must be one of open, closed, local',
    });
  });
});

describe('alert webhook settings', () => {
  it('reads the URL and secret together and refuses one without the other', () => {
    expect(loadConfig({ TENANTRY_ALERT_WEBHOOK_URL: 'https://ops.example/hook', TENANTRY_ALERT_WEBHOOK_SECRET: 'x'.repeat(16) }))
      .toMatchObject({ alertWebhookUrl: 'https://ops.example/hook', alertWebhookSecret: 'x'.repeat(16), healthWindowMinutes: 15 });
    expect(configError(() => loadConfig({ TENANTRY_ALERT_WEBHOOK_URL: 'https://ops.example/hook' })).details).toMatchObject({ path: 'TENANTRY_ALERT_WEBHOOK_SECRET' });
    expect(configError(() => loadConfig({ TENANTRY_ALERT_WEBHOOK_SECRET: 'x'.repeat(16) })).details).toMatchObject({ path: 'TENANTRY_ALERT_WEBHOOK_URL' });
    expect(configError(() => loadConfig({ TENANTRY_HEALTH_WINDOW_MINUTES: '0' })).details).toMatchObject({ path: 'TENANTRY_HEALTH_WINDOW_MINUTES' });
  });

  it('checks TENANTRY_ALERT_RULES when loading, naming the rule field at fault', () => {
    const rules = '[{"name":"pro-errors","metric":"errorRate","threshold":0.05,"plans":["pro"]}]';
    expect(parseAlertRules(loadConfig({ TENANTRY_ALERT_RULES: rules }).alertRules ?? '')).toEqual([{ name: 'pro-errors', metric: 'errorRate', threshold: 0.05, plans: ['pro'] }]);
    const bad = configError(() => loadConfig({ TENANTRY_ALERT_RULES: '[{"name":"x","metric":"cpu","threshold":1}]' }));
    expect(bad.details).toMatchObject({ path: 'TENANTRY_ALERT_RULES' });
    expect(bad.message).toContain('rules[0].metric');
    expect(configError(() => loadConfig({ TENANTRY_ALERT_RULES: '{"name":"x"}' })).details).toMatchObject({ path: 'TENANTRY_ALERT_RULES' });
    expect(configError(() => loadConfig({ TENANTRY_ALERT_RULES: 'not json' })).details).toMatchObject({ path: 'TENANTRY_ALERT_RULES' });
  });
});
