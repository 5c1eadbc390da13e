/**
 * README's configuration table and the engine's table of variables (src/engine/config.ts) say the same: every
 * variable the engine reads is documented with its default, and README documents no variable the engine ignores.
 * And the configuration's checks: defaults, values, and errors that name the variable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configFromEnv, ENVIRONMENT, EngineConfigError, resolveEngineConfig, type EnvName } from '../../src/engine/config';

/** README's rows: each variable of a row with its default cell (a row may list several, with one default each or one for all). */
function readmeDefaults(): Map<string, string> {
  const text = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Configuration'), text.indexOf('\n## ', text.indexOf('## Configuration') + 1));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split(' | ');
    if (!line.startsWith('| `') || cells.length < 3) continue;
    const names = [...(cells[0] as string).matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string);
    const defaults = (cells[1] as string).split(', ');
    names.forEach((name, i) => rows.set(name, (defaults.length === names.length ? defaults[i] : defaults[0]) as string));
  }
  return rows;
}

const documented = (name: EnvName): string => {
  const v: { default: string | undefined; unset?: string } = ENVIRONMENT[name];
  return v.default !== undefined ? `\`${v.default}\`` : (v.unset ?? 'unset');
};

test('every variable of the table is in README with its default, and README lists no other', () => {
  const readme = readmeDefaults();
  const table = Object.keys(ENVIRONMENT) as EnvName[];
  expect([...readme.keys()].sort()).toEqual([...table].sort());
  for (const name of table) expect(`${name}: ${readme.get(name)}`).toBe(`${name}: ${documented(name)}`);
});

describe('configFromEnv', () => {
  const cwd = '/srv/rxbridge';

  test('defaults: paths against the working directory, the admin API on 127.0.0.1:8080', () => {
    const config = configFromEnv({}, cwd);
    expect(config).toMatchObject({
      channelsDir: '/srv/rxbridge/channels', mappingsDir: '/srv/rxbridge/mappings', dataDir: '/srv/rxbridge/data',
      billingFile: '/srv/rxbridge/billing/billing.yaml', payerRulesDir: '/srv/rxbridge/billing/payer-rules',
      httpHost: '127.0.0.1', httpPort: 8080, allowBootstrapToken: false, logLevel: 'info', intakeLanes: 1,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.queuePrefix).toBeUndefined();
  });

  test('every setting gets a value when resolved; what the config says wins over the environment', () => {
    const resolved = resolveEngineConfig({ ...configFromEnv({ RXBRIDGE_SWEEP_INTERVAL_MS: '2000' }, cwd), sweepOlderThanMs: 5 });
    expect(resolved).toMatchObject({
      role: 'all', queuePrefix: 'rxb', sweepIntervalMs: 2000, sweepOlderThanMs: 5, alertIntervalMs: 30_000,
      tlsWatchIntervalMs: 10_000, sessionTtlMs: 8 * 3600_000,
      backpressure: { softBacklog: 1000, hardBacklog: 5000, maxAckDelayMs: 1000, maxAdmissionWaitMs: 10_000 },
    });
    expect(resolveEngineConfig({ channelsDir: 'c', mappingsDir: 'm', dataDir: 'd', httpHost: 'h', httpPort: 0, env: { RXBRIDGE_QUEUE_PREFIX: 'x1' } }).queuePrefix)
      .toBe('x1');
  });

  test('bad values: one line per variable, naming it and the value', () => {
    let error: unknown;
    try {
      configFromEnv({ RXBRIDGE_SWEEP_AGE_MS: 'soon', HTTP_PORT: '80000', RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN: 'yes', LOG_LEVEL: 'loud' }, cwd);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EngineConfigError);
    expect((error as EngineConfigError).issues).toEqual([
      'HTTP_PORT must be a port number (0: any free port, -1: no admin API), got "80000"',
      'RXBRIDGE_ALLOW_BOOTSTRAP_TOKEN must be true or false, got "yes"',
      'LOG_LEVEL must be error, warn, info or debug, got "loud"',
      'RXBRIDGE_SWEEP_AGE_MS must be a whole number of milliseconds, got "soon"',
    ]);
    expect(() => configFromEnv({ RXBRIDGE_SESSION_HOURS: '0' }, cwd)).toThrow('RXBRIDGE_SESSION_HOURS must be a number of hours > 0, got "0"');
  });

  test('an empty value is unset', () => {
    expect(configFromEnv({ HTTP_PORT: '', RXBRIDGE_QUEUE_PREFIX: '' }, cwd)).toMatchObject({ httpPort: 8080, queuePrefix: undefined });
  });
});
