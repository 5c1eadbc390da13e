/**
 * How a channel answers a sender on its connection (docs/channels.md "Acknowledgments"); the channel file's `acks`
 * key picks one per channel and per sender, and intake (intake.ts) applies it:
 * - immediate: one ACK after the commit whatever MSH-15/16 say (AA, or AR with ERR), as most senders expect;
 * - standard: the letter of enhanced mode (an accept ACK only as MSH-15 asks; application ACKs go to the
 *   channel's `applicationAcks` destination);
 * - after-processing: the answer waits until the pipeline has finished the message — AA (processed, filtered)
 *   or AE with the error (dead letter) — and falls back to the accept ACK after `timeoutMs`.
 */
export const ACK_MODES = ['immediate', 'standard', 'after-processing'] as const;
export type AckMode = (typeof ACK_MODES)[number];

export interface AckPolicy {
  readonly mode: AckMode;
  /** after-processing: how long the answer waits for the pipeline. */
  readonly timeoutMs: number;
}
