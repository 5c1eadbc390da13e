/**
 * "Store this message from source X": the channel's own Intake (src/pipeline/intake.ts, used as it is, through its
 * public handleFrame) with a store port that also tells the caller what the store made of the message. Sources
 * other than MLLP (file, SFTP, HTTP) hand their messages in here, so every message meets the same checks, commit,
 * duplicate rule and outcomes (received, duplicate, rejected) as an MLLP frame, and the same ACK text.
 *
 * Contract: `store` resolves with the stored row (id and status) once committed, or undefined when the store did not
 * take it (unavailable: the caller tries again later). `answer` resolves with the ACK MLLP would send (null when
 * enhanced mode asks for none). Each call's `remote` must be unique among calls in flight: results are matched by it.
 */
import { Intake, type FrameSource, type IntakeDeps } from '../pipeline/intake';
import type { InboundRecord, MessagesPort, StoredInbound } from '../pipeline/ports';

export interface SourceIntake {
  store(bytes: Buffer, source: FrameSource): Promise<StoredInbound | undefined>;
  answer(bytes: Buffer, source: FrameSource): Promise<{ ack: string | null; stored: StoredInbound | undefined }>;
}

export function sourceIntake(deps: IntakeDeps): SourceIntake {
  const results = new Map<string, StoredInbound>();
  const inner = deps.store;
  const store: MessagesPort = Object.create(inner as object) as MessagesPort;
  store.recordInbound = async (recs: readonly InboundRecord[]) => {
    const out = await inner.recordInbound(recs);
    recs.forEach((r, i) => {
      const s = out[i];
      if (s) results.set(r.remote, s);
    });
    return out;
  };
  const intake = new Intake({ ...deps, store });
  const answer = async (bytes: Buffer, source: FrameSource) => {
    results.delete(source.remote);
    const ack = await intake.handleFrame(bytes, source);
    const stored = results.get(source.remote);
    results.delete(source.remote);
    return { ack, stored };
  };
  return { answer, store: async (bytes, source) => (await answer(bytes, source)).stored };
}
