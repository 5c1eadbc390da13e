/**
 * The `rxbridge` command.
 *   rxbridge start [--role all|listener|worker]   run the engine (env: see README); SIGHUP reloads TLS certificates
 *                                                 and channel files
 *   rxbridge send FILE... [--host H] [--port P] [--shift-dates-to-today]   send HL7 files over MLLP, print each ACK
 *   rxbridge replay ID... [--raw FILE]            replay messages through a running engine's API
 *   rxbridge channels check                       validate channels/, mappings/ and billing.yaml
 *   rxbridge --version                            print the version
 *   rxbridge mappings test [NAME...] [--dir DIR]  run the mappings' *.test.yaml cases
 *   rxbridge codes import KIND FILE | status      load a code-set release, list the loaded ones (./codes.ts)
 *   rxbridge remit FILE... [--url URL]            record 835 remittances through a running engine's API (./remit.ts)
 *   rxbridge acks FILE... [--url URL]             record 999/997 and 277CA acknowledgments through the API (./acks.ts)
 *   rxbridge providers import FILE | status | list   import providers (NPPES CSV) claims may name (./providers.ts)
 *   rxbridge prices import FILE | status          import the fee schedule unpriced charges are priced from (./prices.ts)
 *   rxbridge users … | tokens … | audit verify    users, API tokens, the audit chain (./users.ts)
 *   rxbridge keys generate | status | rotate      the message-body encryption key (./keys.ts)
 *   rxbridge retention run [--dry-run]            prune old message bodies by channel retention (./retention.ts)
 *   rxbridge search reindex [--batch N]           content-search tokens of messages stored without them (./search.ts)
 *   rxbridge destinations [list] | replay …       channel destinations: queues, dead letters, replay (./destinations.ts)
 *   rxbridge doctor                               check what the engine needs, one ok/warn/FAIL line each (./doctor.ts)
 * Returns the process exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openBillingConfig } from '../billing/reload';
import { loadChannels } from '../channels/load';
import { ConfigError, formatIssue } from '../core/config-file';
import { loadMappings } from '../mappings/load';
import { configFromEnv, ENVIRONMENT, type EngineRole } from '../engine/config';
import { startEngine, type Engine } from '../main';
import { apiToken, defaultAdminUrl, NO_API_TOKEN } from './admin-url';
import { CODES_USAGE, codesCommand } from './codes';
import { DESTINATIONS_USAGE, destinationsCommand } from './destinations';
import { DOCTOR_USAGE, doctorCommand } from './doctor';
import { mappingsTest } from './mappings-test';
import { PRICES_USAGE, pricesCommand } from './prices';
import { PROVIDERS_USAGE, providersCommand } from './providers';
import { ACKS_USAGE, acksCommand } from './acks';
import { REMIT_USAGE, remitCommand } from './remit';
import { USERS_USAGE, usersCommand } from './users';
import { KEYS_USAGE, keysCommand } from './keys';
import { RETENTION_USAGE, retentionCommand } from './retention';
import { SEARCH_USAGE, searchCommand } from './search';
import { sendFiles } from './send';

const USAGE = `usage:
  rxbridge start [--role all|listener|worker]       (SIGHUP: reload TLS certificates and channel files)
  rxbridge send FILE... [--host HOST] [--port PORT] [--shift-dates-to-today]
  rxbridge replay ID... [--raw FILE] [--url URL]
  rxbridge channels check
  rxbridge mappings test [NAME...] [--dir DIR]
${CODES_USAGE}
${REMIT_USAGE}
${ACKS_USAGE}
${PROVIDERS_USAGE}
${PRICES_USAGE}
${USERS_USAGE}
${KEYS_USAGE}
${RETENTION_USAGE}
${SEARCH_USAGE}
${DESTINATIONS_USAGE}
${DOCTOR_USAGE}
  rxbridge --version`;

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest, env);
    case 'send': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          host: { type: 'string', default: '127.0.0.1' },
          port: { type: 'string', default: env.MLLP_PORT || ENVIRONMENT.MLLP_PORT.default },
          'shift-dates-to-today': { type: 'boolean', default: false },
        },
      });
      if (positionals.length === 0) return usage('send needs at least one file');
      return sendFiles(positionals, values.host, Number(values.port), (l) => console.log(l), {
        shiftDatesToToday: values['shift-dates-to-today'],
      });
    }
    case 'replay':
      return replay(rest, env);
    case 'channels': {
      if (rest[0] !== 'check') return usage('unknown channels subcommand');
      return channelsCheck(env);
    }
    case 'mappings': {
      if (rest[0] !== 'test') return usage('unknown mappings subcommand');
      const { values, positionals } = parseArgs({
        args: rest.slice(1),
        allowPositionals: true,
        options: {
          dir: { type: 'string', default: env.MAPPINGS_DIR || ENVIRONMENT.MAPPINGS_DIR.default },
        },
      });
      return mappingsTest(positionals, values.dir, env, (l) => console.log(l));
    }
    case 'codes':
      return codesCommand(rest, env);
    case 'remit':
      return remitCommand(rest, env, (l) => console.log(l));
    case 'acks':
      return acksCommand(rest, env, (l) => console.log(l));
    case 'providers':
      return providersCommand(rest, env);
    case 'prices':
      return pricesCommand(rest, env);
    case 'users':
    case 'tokens':
    case 'audit':
      return usersCommand(command, rest, env);
    case 'keys':
      return keysCommand(rest, env);
    case 'retention':
      return retentionCommand(rest, env);
    case 'search':
      return searchCommand(rest, env);
    case 'destinations':
      return destinationsCommand(rest, env, (l) => console.log(l));
    case 'doctor':
      return doctorCommand(rest, env);
    case '--version':
    case 'version':
      console.log(`rxbridge ${packageVersion()}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      return usage(`unknown command ${command}`);
  }
}

function usage(reason: string): number {
  console.error(`rxbridge: ${reason}\n${USAGE}`);
  return 2;
}

async function start(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({ args, options: { role: { type: 'string', default: 'all' } } });
  if (!['all', 'listener', 'worker'].includes(values.role)) return usage('--role must be all, listener or worker');
  let engine;
  try {
    engine = await startEngine({ ...configFromEnv(env), role: values.role as EngineRole });
  } catch (err) {
    console.error(err instanceof ConfigError ? `rxbridge: configuration errors:\n${err.message}` : `rxbridge: ${(err as Error).message}`);
    return 1;
  }
  await serveUntilStopped(engine);
  return 0;
}

/**
 * Runs a started engine until SIGTERM or SIGINT (then stops it; a shutdown that takes over 20 s exits the
 * process). SIGHUP, instead of ending the process, re-reads at once the TLS certificates of the MLLP TLS channels
 * and the HTTPS admin API (Engine.reloadCertificates; a bad file keeps the old certificate), then the channel
 * files (Engine.reloadChannels; invalid files change nothing and their issues are printed on stderr, a channel
 * that cannot listen is printed as failed). `signals` is the process; tests pass their own emitter.
 */
export function serveUntilStopped(engine: Engine, signals: NodeJS.EventEmitter = process): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const reload = () => {
      engine.reloadCertificates();
      void reloadChannelsOnSignal(engine);
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      signals.off('SIGHUP', reload);
      // A shutdown that cannot finish (Redis or the store gone) must not hang the process.
      const force = setTimeout(() => {
        console.error('rxbridge: shutdown did not finish in 20 s; exiting');
        process.exit(1);
      }, 20_000);
      force.unref();
      engine.stop().finally(resolve);
    };
    signals.on('SIGHUP', reload);
    signals.once('SIGTERM', stop);
    signals.once('SIGINT', stop);
  });
}

/** SIGHUP's channel reload: what went wrong goes to stderr (the engine's log has it too); never throws. */
async function reloadChannelsOnSignal(engine: Engine): Promise<void> {
  try {
    const result = await engine.reloadChannels('SIGHUP');
    if (!result.ok) {
      console.error(`rxbridge: channel reload refused, the channels in force stay:\n${result.issues.map(formatIssue).join('\n')}`);
      return;
    }
    for (const c of result.channels)
      if (c.outcome === 'failed') console.error(`rxbridge: channel ${c.name} could not be reloaded: ${c.reason}`);
  } catch (err) {
    console.error(`rxbridge: channel reload failed: ${(err as Error).message}`);
  }
}

async function replay(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      raw: { type: 'string' },
      url: { type: 'string', default: defaultAdminUrl(env) },
    },
  });
  if (positionals.length === 0) return usage('replay needs at least one message id');
  if (values.raw && positionals.length > 1) return usage('--raw applies to one message id');
  const token = apiToken(env);
  if (!token) {
    console.error(NO_API_TOKEN);
    return 2;
  }
  const body = values.raw ? JSON.stringify({ raw: fs.readFileSync(values.raw, 'utf8') }) : undefined;
  let failures = 0;
  for (const id of positionals) {
    const res = await fetch(`${values.url}/api/messages/${encodeURIComponent(id)}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    });
    const json = (await res.json().catch(() => ({}))) as { replay?: number; error?: { message?: string } };
    if (res.ok) console.log(`${id}: replay ${json.replay} queued`);
    else {
      failures++;
      console.log(`${id}: ${res.status} ${json.error?.message ?? res.statusText}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

function channelsCheck(env: Record<string, string | undefined>): number {
  const config = configFromEnv(env);
  try {
    const channels = loadChannels({ dir: config.channelsDir, mappingsDir: config.mappingsDir, env });
    const mappings = loadMappings(config.mappingsDir, env);
    for (const c of channels) console.log(`ok  channel ${c.name} (${c.file}) ${sourceLabel(c.source)}`);
    for (const name of mappings.keys()) console.log(`ok  mapping ${name}`);
    // billing.yaml stops the engine at start when it does not load: checked here too, with its file:line problems.
    // openBillingConfig is the engine's own start-up reading (src/billing/reload.ts): what passes here starts.
    const billing = config.billingFile ? openBillingConfig(config.billingFile, env, config.dataDir).config : undefined;
    if (billing) console.log(`ok  billing ${config.billingFile} (${billing.payers.size} payers)`);
    return 0;
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : (err as Error).message);
    return 1;
  }
}

/** The version in package.json (the one `npm ci` installed this build from). */
function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

/** How `rxbridge check` names a channel's source: its port, or its folder. */
function sourceLabel(src: import('../channels/schema').SourcePlan): string {
  if (src.type === 'mllp') return `port ${src.port}`;
  if (src.type === 'http') return `http port ${src.port} path ${src.path}`;
  if (src.type === 'sftp') return `sftp ${src.host}:${src.port}${src.dir}`;
  return `folder ${src.dir}`;
}
