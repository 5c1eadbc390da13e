/**
 * The channel reload route (registered by app.ts inside its bearer-token scope):
 * `POST /api/channels/reload` (role admin; CSRF applies to cookie sessions as for every change) re-reads the
 * channel files and applies them without a restart (src/channels/reloader.ts); the engine then tells its other
 * processes to do the same (a notice on Redis, src/main.ts).
 *
 * Answers 200 `{ channels: [{ name, outcome, changed, reason? }] }` when the files are valid (a channel whose
 * listener could not start is `failed` with the reason; the others applied), and 422
 * `{ error: { code: 'CONFIG_INVALID', message, issues: [{ file, line, col, reason }] } }` when they are not
 * (nothing changed). An applied reload is audited as `channels.reload` with the channel names per outcome.
 *
 * `POST /api/channels/:name/pause` and `POST /api/channels/:name/resume` (role admin, audited as `channel.pause` and
 * `channel.resume`): a paused channel's MLLP listener is closed in every engine process — senders' new connections
 * are refused, as when an interface engine stops a source connector — while its stored messages keep processing;
 * the pause is stored, so it holds across restarts, until resumed. Both answer `{ channel, paused, changed }`
 * (`changed` false when it already was so); 404 for a channel that is not configured.
 *
 * `GET /api/channels/:name/file` and `PUT /api/channels/:name/file` `{ text, sha256 }` (role admin; a save is
 * audited as `channel.save` with the old and new SHA-256 and the reload's outcomes): edit a channel's file from the
 * console (src/channels/file-editor.ts). GET answers `{ name, file, text, sha256 }`. PUT answers 409 CONFLICT when
 * the file changed on disk since it was read (`sha256` is no longer its version), 422 CONFIG_INVALID with the issues
 * (as the reload's) when the text does not validate with the engine's loader (nothing written), else writes the file
 * atomically, runs the reload the reload button runs and answers `{ name, sha256, channels }` (its entries).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChannelFileSave, ChannelFileText } from '../channels/file-editor';
import type { ConfigIssue } from '../core/config-file';
import type { ChannelReloadEntry, ChannelReloadResult } from '../channels/reloader';
import type { AuditDetail } from '../store/audit-chain';
import { z } from 'zod';
import { EngineError } from '../core/errors';
import { actorOf, audit, role } from './auth';
import { parse } from './validate';
import type {
  ChannelFile,
  ChannelFileIssue,
  ChannelFileSaved,
  ChannelPauseResult,
  ChannelReloadEntry as SentReloadEntry,
} from './wire/channels';
import { sends } from './wire/json';

export interface ChannelsApi {
  /** Reloads this process's channel files and, when they are valid, announces it to the other processes. */
  reloadChannels(): Promise<ChannelReloadResult>;
  /**
   * Pauses (true) or resumes (false) a configured channel in the store, applies it here and announces it to the
   * other processes; resolves whether it changed, or undefined when no channel has that name.
   */
  setChannelPaused(name: string, paused: boolean, actor: string): Promise<boolean | undefined>;
  /** A channel's file as it is on disk (ChannelFileEditor.read): NOT_FOUND for a channel that is not configured. */
  readChannelFile(name: string): Promise<ChannelFileText>;
  /** Checks, writes and reloads a channel's file (ChannelFileEditor.save): CONFLICT when `sha256` is not its version now. */
  saveChannelFile(name: string, text: string, sha256: string): Promise<ChannelFileSave>;
}

/** The largest channel file saved (the shipped ones are about 2 KiB). */
const MAX_CHANNEL_FILE_BYTES = 64 * 1024;

const channelParams = z.strictObject({ name: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a channel name') });
const fileBody = z.strictObject({
  text: z.string().max(MAX_CHANNEL_FILE_BYTES, `a channel file is at most ${MAX_CHANNEL_FILE_BYTES / 1024} KiB`),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 the file was read with'),
});

/** 422 CONFIG_INVALID with every issue (file:line:col reason); `what` names what does not validate. */
function invalidFiles(reply: FastifyReply, what: string, issues: readonly ConfigIssue[]) {
  const n = issues.length;
  return reply.status(422).send({
    error: {
      code: 'CONFIG_INVALID',
      message: `${what} (${n} ${n === 1 ? 'issue' : 'issues'}); the channels in force stay`,
      issues: issues.map(({ file, line, col, reason }): ChannelFileIssue => ({ file, line, col, reason })),
    },
  });
}

export function registerChannelRoutes(api: FastifyInstance, channels: ChannelsApi): void {
  api.post('/api/channels/reload', role('admin'), async (req, reply) => {
    const result = await channels.reloadChannels();
    if (!result.ok) return invalidFiles(reply, 'the channel files are invalid', result.issues);
    await audit(req, 'channels.reload', undefined, reloadAuditDetail(result.channels));
    return { channels: sends<SentReloadEntry[]>()(result.channels) };
  });

  api.get('/api/channels/:name/file', role('admin'), async (req) => {
    const { name } = parse(channelParams, req.params, 'channel');
    return sends<ChannelFile>()(await channels.readChannelFile(name));
  });

  api.put('/api/channels/:name/file', role('admin'), async (req, reply) => {
    const { name } = parse(channelParams, req.params, 'channel');
    const { text, sha256 } = parse(fileBody, req.body, 'body');
    const saved = await channels.saveChannelFile(name, text, sha256);
    if (!saved.ok) return invalidFiles(reply, `the file of channel ${name} is invalid and was not saved`, saved.issues);
    await audit(
      req,
      'channel.save',
      { type: 'channel', id: name },
      { from: sha256, sha256: saved.sha256, ...reloadAuditDetail(saved.reload.channels) },
    );
    return sends<ChannelFileSaved>()({ name, sha256: saved.sha256, channels: saved.reload.channels });
  });

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    api.post(`/api/channels/:name/${action}`, role('admin'), async (req) => {
      const { name } = parse(channelParams, req.params, 'channel');
      const changed = await channels.setChannelPaused(name, paused, actorOf(req));
      if (changed === undefined) throw new EngineError('NOT_FOUND', `channel ${name} is not configured`);
      await audit(req, `channel.${action}`, { type: 'channel', id: name }, { changed });
      return sends<ChannelPauseResult>()({ channel: name, paused, changed });
    });
  }
}

/** What the audit trail records of a reload: channel names per outcome (unchanged ones counted), reasons of failures. */
export function reloadAuditDetail(entries: readonly ChannelReloadEntry[]): AuditDetail {
  const named = (outcome: ChannelReloadEntry['outcome']) => entries.filter((e) => e.outcome === outcome).map((e) => e.name);
  return {
    added: named('added'),
    removed: named('removed'),
    enabled: named('enabled'),
    disabled: named('disabled'),
    restarted: named('restarted'),
    updated: named('updated'),
    unchanged: named('unchanged').length,
    failed: entries.filter((e) => e.outcome === 'failed').map((e) => ({ channel: e.name, reason: e.reason ?? '' })),
  };
}
