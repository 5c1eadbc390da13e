/**
 * The answer of POST /api/channels/reload as the console shows it (docs/channels.md "Reloading"): the outcome per
 * channel, a one-line summary, and the issues of refused files as `file:line:col reason`. Pure, no DOM.
 */
import type { ChannelFileIssue, ChannelReloadEntry, ChannelReloadOutcome } from '../admin/wire/channels';
import type { Tone } from './tone';

export type { ChannelFileIssue, ChannelReloadEntry, ChannelReloadOutcome };

/** The reload as the page shows it: applied (an outcome per channel) or refused (nothing changed). */
export type ChannelReload = { ok: true; channels: ChannelReloadEntry[] } | { ok: false; message: string; issues: ChannelFileIssue[] };

/** `file:line:col`, or `file` for an issue of the whole file. */
export function issueLocation(issue: ChannelFileIssue): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
}

const ORDER: ChannelReloadOutcome[] = ['failed', 'added', 'removed', 'enabled', 'disabled', 'restarted', 'updated', 'unchanged'];

/** `1 updated, 2 unchanged` (failures first, then in the order of the docs); `no channel` for an empty list. */
export function reloadSummary(entries: readonly ChannelReloadEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.outcome, (counts.get(e.outcome) ?? 0) + 1);
  const known = ORDER.filter((o) => counts.has(o)).map((o) => `${counts.get(o)} ${o}`);
  const other = [...counts.keys()].filter((o) => !ORDER.includes(o as ChannelReloadOutcome)).map((o) => `${counts.get(o)} ${o}`);
  const parts = [...known, ...other];
  return parts.length === 0 ? 'no channel' : parts.join(', ');
}

/** failed reads as an error; a channel that stopped listening (removed, disabled) as a warning; unchanged as nothing. */
export function outcomeTone(outcome: ChannelReloadOutcome): Tone {
  switch (outcome) {
    case 'failed':
      return 'error';
    case 'removed':
    case 'disabled':
      return 'warn';
    case 'unchanged':
      return 'muted';
    default:
      return 'ok';
  }
}
