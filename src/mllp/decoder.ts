/**
 * MLLP frame decoder: a pure, explicit state machine (no I/O, no timers).
 *
 * A frame is VT (0x0B) + payload + FS (0x1C) + CR (0x0D). Feed raw socket bytes with `push(chunk)`; it returns
 * the events completed by that chunk, in byte order. Leniency rules (each a deliberate choice):
 * - Bytes outside a frame (before a VT) are dropped and reported as `junk` (one event per run of junk bytes
 *   within a chunk; a run that reaches the end of a chunk is reported at the end of that chunk).
 * - FS ends the frame; the CR after it is optional. After FS: CR is swallowed, VT starts the next frame,
 *   anything else is junk.
 * - A VT inside a frame means the sender restarted: the partial payload is reported as `junk` and a new
 *   frame starts at that VT. The same holds while discarding an oversize frame.
 * - A payload longer than `maxFrameBytes` is never buffered: one `oversize` event is emitted as soon as the
 *   limit is crossed (with the first ≤4096 payload bytes, enough to read MSH-10), then bytes are discarded
 *   until the next FS (and CR) or VT.
 * Payload buffers in events are copies: they never alias the caller's chunk.
 * Cost is linear in the bytes pushed: scanning uses indexOf, and a frame split over many chunks is kept as a
 * list of slices and concatenated once.
 */

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** Bytes of an oversize frame's payload handed back in `head` (enough for the MSH segment). */
export const OVERSIZE_HEAD_BYTES = 4096;

export type DecoderEvent =
  /** A complete frame's payload (the bytes between VT and FS). */
  | { kind: 'frame'; payload: Buffer }
  /** The frame exceeded maxFrameBytes: `head` = first up to 4096 payload bytes, `bytes` = payload bytes seen when it gave up. */
  | { kind: 'oversize'; head: Buffer; bytes: number }
  /** Bytes seen outside a frame, or a partial frame abandoned by a new VT, that were dropped. */
  | { kind: 'junk'; bytes: number };

export interface MllpDecoderOptions {
  /** Largest payload (bytes between VT and FS) accepted; callers use 1 MiB (1_048_576). Must be ≥ 0. */
  maxFrameBytes: number;
}

const enum State {
  /** Outside a frame: waiting for VT; everything else is junk. */
  Idle,
  /** After VT: collecting payload until FS. */
  InFrame,
  /** Frame exceeded the limit: dropping bytes until FS or VT. */
  Discard,
  /** Just saw FS: a CR here is part of the trailer. */
  AfterFs,
}

export class MllpDecoder {
  private readonly maxFrameBytes: number;
  private state: State = State.Idle;
  /** Slices (views of pushed chunks) holding the current frame's payload so far. */
  private parts: Buffer[] = [];
  private partsLength = 0;

  constructor(opts: MllpDecoderOptions) {
    if (!Number.isFinite(opts.maxFrameBytes) || opts.maxFrameBytes < 0) {
      throw new RangeError('maxFrameBytes must be a finite number >= 0');
    }
    this.maxFrameBytes = Math.floor(opts.maxFrameBytes);
  }

  /** True between a frame's VT and its FS (also while an oversize frame is being dropped). */
  get inFrame(): boolean {
    return this.state === State.InFrame || this.state === State.Discard;
  }

  /** Payload bytes held for an incomplete frame (never more than maxFrameBytes). */
  get buffered(): number {
    return this.partsLength;
  }

  /** Feeds bytes; returns the events completed by this chunk, in order. */
  push(chunk: Buffer): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    const n = chunk.length;
    let junk = 0; // current run of junk bytes in this chunk, not yet reported
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.AfterFs: {
          this.state = State.Idle;
          if (chunk[i] === CR) i += 1; // otherwise Idle decides: VT starts a frame, anything else is junk
          break;
        }
        case State.Idle: {
          const vt = chunk.indexOf(VT, i);
          if (vt < 0) {
            junk += n - i;
            i = n;
            break;
          }
          junk += vt - i;
          if (junk > 0) {
            events.push({ kind: 'junk', bytes: junk });
            junk = 0;
          }
          this.startFrame();
          i = vt + 1;
          break;
        }
        case State.InFrame: {
          const fs = chunk.indexOf(FS, i);
          const vt = chunk.indexOf(VT, i);
          const fsEnds = fs >= 0 && (vt < 0 || fs < vt);
          const vtEnds = vt >= 0 && !fsEnds;
          const end = fsEnds ? fs : vtEnds ? vt : n;
          const total = this.partsLength + (end - i);
          if (total > this.maxFrameBytes) {
            // Checked before a restart so the outcome does not depend on where chunks were split.
            events.push({ kind: 'oversize', head: this.head(chunk, i, end), bytes: total });
            this.clearParts();
            if (fsEnds) {
              this.state = State.AfterFs;
              i = fs + 1;
            } else if (vtEnds) {
              this.startFrame();
              i = vt + 1;
            } else {
              this.state = State.Discard;
              i = n;
            }
          } else if (fsEnds) {
            const last = chunk.subarray(i, fs);
            const payload = this.parts.length === 0 ? Buffer.from(last) : Buffer.concat([...this.parts, last], total);
            events.push({ kind: 'frame', payload });
            this.clearParts();
            this.state = State.AfterFs;
            i = fs + 1;
          } else if (vtEnds) {
            // The sender restarted: the partial frame is dropped.
            if (total > 0) events.push({ kind: 'junk', bytes: total });
            this.startFrame();
            i = vt + 1;
          } else {
            if (end > i) this.parts.push(chunk.subarray(i, n));
            this.partsLength = total;
            i = n;
          }
          break;
        }
        case State.Discard: {
          const fs = chunk.indexOf(FS, i);
          const vt = chunk.indexOf(VT, i);
          if (vt >= 0 && (fs < 0 || vt < fs)) {
            this.startFrame();
            i = vt + 1;
          } else if (fs >= 0) {
            this.state = State.AfterFs;
            i = fs + 1;
          } else {
            i = n;
          }
          break;
        }
      }
    }
    if (junk > 0) events.push({ kind: 'junk', bytes: junk });
    return events;
  }

  private startFrame(): void {
    this.clearParts();
    this.state = State.InFrame;
  }

  private clearParts(): void {
    if (this.partsLength > 0 || this.parts.length > 0) {
      this.parts = [];
      this.partsLength = 0;
    }
  }

  /** A copy of the first ≤4096 payload bytes: the held parts, then chunk[from, end). */
  private head(chunk: Buffer, from: number, end: number): Buffer {
    const pieces: Buffer[] = [];
    let need = OVERSIZE_HEAD_BYTES;
    for (const part of this.parts) {
      if (need === 0) break;
      const piece = part.length <= need ? part : part.subarray(0, need);
      pieces.push(piece);
      need -= piece.length;
    }
    if (need > 0) pieces.push(chunk.subarray(from, Math.min(end, from + need)));
    return Buffer.concat(pieces);
  }
}

/** Wraps a payload in VT … FS CR. Strings are encoded as UTF-8. */
export function frame(payload: Buffer | string): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
  const out = Buffer.allocUnsafe(length + 3);
  out[0] = VT;
  if (typeof payload === 'string') out.write(payload, 1, 'utf8');
  else payload.copy(out, 1);
  out[length + 1] = FS;
  out[length + 2] = CR;
  return out;
}
