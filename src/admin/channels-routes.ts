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
 */
import type { FastifyInstance } from 'fastify';
import type { ChannelReloadEntry, ChannelReloadResult } from '../channels/reloader';
import type { AuditDetail } from '../store/audit-chain';
import { audit, role } from './auth';
import type { ChannelFileIssue, ChannelReloadEntry as SentReloadEntry } from './wire/channels';
import { sends } from './wire/json';

export interface ChannelsApi {
  /** Reloads this process's channel files and, when they are valid, announces it to the other processes. */
  reloadChannels(): Promise<ChannelReloadResult>;
}

export function registerChannelRoutes(api: FastifyInstance, channels: ChannelsApi): void {
  api.post('/api/channels/reload', role('admin'), async (req, reply) => {
    const result = await channels.reloadChannels();
    if (!result.ok) {
      const n = result.issues.length;
      return reply.status(422).send({
        error: {
          code: 'CONFIG_INVALID',
          message: `the channel files are invalid (${n} ${n === 1 ? 'issue' : 'issues'}); the channels in force stay`,
          issues: result.issues.map(({ file, line, col, reason }): ChannelFileIssue => ({ file, line, col, reason })),
        },
      });
    }
    await audit(req, 'channels.reload', undefined, reloadAuditDetail(result.channels));
    return { channels: sends<SentReloadEntry[]>()(result.channels) };
  });
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
