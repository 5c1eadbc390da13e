/**
 * Loads the channel directory into frozen plans, checked once at start-up (and by `rxbridge channels check`).
 * I/O: reads the directory, each channel file, and checks that mapping files exist. All problems of all files
 * are gathered and thrown together as one ConfigError, so an operator fixes them in one pass.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig, readConfig, sortIssues, type ConfigIssue, type ParsedConfig } from '../core/config-file';
import { buildChannelPlan, channelFileSchema, type ChannelFile, type ChannelPlan } from './schema';

export interface LoadChannelsOptions {
  /** Directory of channel files: every `*.yaml` except `*.test.yaml` (channel test fixtures). */
  dir: string;
  /** Directory of mapping files; a route's `mapping: x` needs `${mappingsDir}/x.yaml`. */
  mappingsDir: string;
  /** Environment for ${VAR} interpolation (the engine's environment, handed down from the entry point). */
  env: Record<string, string | undefined>;
  /**
   * A text to check in place of one channel file's content (a save from the console, checked before it is
   * written): the file must be one of the directory's channel files (path joined onto dir).
   */
  candidate?: { file: string; text: string };
}

/** Hosts that listen on every interface, so they clash with any host on the same port. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Every channel plan, in file-name order. Besides each file's own schema, checks across files:
 * unique channel names (issue at the later file's `name`), no two enabled channels listening on the same
 * port of the same host (a wildcard host clashes with every host; issue at the later file's `port`), and
 * every route's mapping file exists (issue at the `mapping` value). Throws ConfigError listing every issue.
 */
export function loadChannels(opts: LoadChannelsOptions): ChannelPlan[] {
  const files = listChannelFiles(opts.dir);
  const issues: ConfigIssue[] = [];
  const parsed: Array<ParsedConfig<ChannelFile>> = [];
  for (const file of files) {
    try {
      const given = opts.candidate?.file === file ? opts.candidate.text : undefined;
      parsed.push(
        given === undefined ? readConfig(file, channelFileSchema, opts.env) : parseConfig(given, file, channelFileSchema, opts.env),
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  }

  const byName = new Map<string, ParsedConfig<ChannelFile>>();
  const listeners: Array<ParsedConfig<ChannelFile>> = [];
  for (const cfg of parsed) {
    const ch = cfg.value;
    const first = byName.get(ch.name);
    if (first) {
      issues.push(cfg.issueAt(['name'], `channel name "${ch.name}" is already used by ${first.file}`));
    } else {
      byName.set(ch.name, cfg);
    }

    const src = ch.source;
    if (ch.enabled && (src.type === 'mllp' || src.type === 'http')) {
      const clash = listeners.find((o) => {
        const other = o.value.source;
        return (other.type === 'mllp' || other.type === 'http') && other.port === src.port && hostsOverlap(other.host, src.host);
      });
      if (clash) {
        issues.push(
          cfg.issueAt(
            ['source', 'port'],
            `port ${src.port} on ${src.host} is already used by enabled channel "${clash.value.name}" (${clash.file})`,
          ),
        );
      } else {
        listeners.push(cfg);
      }
    }

    ch.routes.forEach((route, r) => {
      const mappingFile = path.join(opts.mappingsDir, `${route.mapping}.yaml`);
      if (!isFile(mappingFile)) issues.push(cfg.issueAt(['routes', r, 'mapping'], `mapping file ${mappingFile} not found`));
    });
  }

  if (issues.length > 0) throw new ConfigError(sortIssues(issues, files));
  return parsed.map((cfg) => buildChannelPlan(cfg.value, cfg.file));
}

/** `dir`'s channel files (paths joined onto dir), sorted by name. Missing or empty dir → ConfigError. */
function listChannelFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError([{ file: dir, line: 0, col: 0, reason: `cannot read channel directory (${code})` }]);
  }
  const files = names
    .filter((n) => n.endsWith('.yaml') && !n.endsWith('.test.yaml'))
    .sort()
    .map((n) => path.join(dir, n))
    .filter(isFile);
  if (files.length === 0) throw new ConfigError([{ file: dir, line: 0, col: 0, reason: `no channel files in ${dir}` }]);
  return files;
}

function hostsOverlap(a: string, b: string): boolean {
  return a === b || WILDCARD_HOSTS.has(a) || WILDCARD_HOSTS.has(b);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
