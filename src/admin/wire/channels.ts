/** The channels as GET /api/channels and POST /api/channels/reload send them (docs/channels.md). Types only, no Node modules. */
import type { ChannelStatus } from '../channel-status';

/** A channel as GET /api/channels lists it (viewer): its settings in force, state and message counts. */
export interface ChannelInfo extends ChannelStatus {
  counts: Record<string, number>;
}

export type ChannelReloadOutcome = 'added' | 'removed' | 'enabled' | 'disabled' | 'restarted' | 'updated' | 'unchanged' | 'failed';

/** One channel of a 200 answer of POST /api/channels/reload. */
export interface ChannelReloadEntry {
  name: string;
  outcome: ChannelReloadOutcome;
  /** Top-level keys that changed (`accept`, `routes`, `source`, …); empty for added and removed. */
  changed: string[];
  /** Why a `failed` channel could not apply. */
  reason?: string;
}

/** One problem of a refused reload (422 CONFIG_INVALID `issues`); line 0 = the whole file. */
export interface ChannelFileIssue {
  file: string;
  line: number;
  col: number;
  reason: string;
}

/** POST /api/channels/:name/pause and /resume (admin): the channel's paused state now; `changed` false when it already was. */
export interface ChannelPauseResult {
  channel: string;
  paused: boolean;
  changed: boolean;
}

/** GET /api/channels/:name/file (admin): the channel file's text and its version (SHA-256 of the text). */
export interface ChannelFile {
  name: string;
  /** The file's name in the channel folder. */
  file: string;
  text: string;
  sha256: string;
}

/** PUT /api/channels/:name/file (admin), 200: the saved text's version and the reload it ran. */
export interface ChannelFileSaved {
  name: string;
  sha256: string;
  channels: ChannelReloadEntry[];
}
