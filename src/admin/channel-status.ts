/**
 * A channel as the admin API reports it (GET /api/channels, the dashboard): types only, no imports, so the console
 * bundle shares them with the server (src/console/tsconfig.json includes this file).
 */
/** `paused`: an administrator paused it (its listener is closed until resumed; stored messages keep processing). */
export type ChannelState = 'listening' | 'stopped' | 'disabled' | 'errored' | 'paused';

export interface ChannelStatus {
  name: string;
  description: string;
  state: ChannelState;
  /** Paused by an administrator: who and when (null when not paused). */
  pause: { by: string; at: string } | null;
  /** The source's type: mllp, file, sftp or http. */
  sourceType: string;
  /** Host and port an MLLP or HTTP source listens on; the folder (and server) a file or SFTP source polls. */
  host: string;
  port: number;
  connections: number;
  /**
   * A file, SFTP or HTTP source's own counters: for folders the last poll, its error, files taken, messages stored
   * and the file being read now (name and progress); for HTTP the requests, messages and refusals. null for MLLP.
   */
  sourceStatus: Record<string, unknown> | null;
  accept: string[];
  routes: Array<{ types: string[]; mapping: string }>;
  /** How senders are answered on their connection (docs/channels.md "acks"): the policy and per-sender overrides. */
  acks: { mode: string; timeoutMs: number; senders: Record<string, { mode: string; timeoutMs: number }> };
}
