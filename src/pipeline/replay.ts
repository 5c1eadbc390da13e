/**
 * Replay: runs a finished message (usually a dead letter) through the pipeline again, optionally with an
 * edited raw message. Charges are keyed by source, so a replay never bills twice.
 */
import { EngineError } from '../core/errors';
import type { Logger } from '../core/logger';
import { isRowId } from '../core/row-id';
import { normalizeSegments } from '../hl7/charset';
import { peekMsh } from '../hl7/peek';
import { patientKeyOf, senderOf } from './intake';
import type { EditedMessage, MessagesPort, QueuePort } from './ports';

export interface ReplayDeps {
  store: MessagesPort;
  queue: QueuePort;
  /** Logs `message replay queued` with the messageId (the correlation id of every line about a message). */
  logger?: Logger;
}

export async function replayMessage(
  deps: ReplayDeps,
  id: string,
  raw: string | undefined,
  actor: string,
): Promise<{ id: string; replay: number }> {
  if (!isRowId(id)) throw new EngineError('BAD_REQUEST', 'message id must be a number');
  let edited: EditedMessage | null = null;
  if (raw !== undefined) {
    const content = normalizeSegments(raw);
    const header = peekMsh(content); // throws FRAME_NO_MSH / MSH_INVALID: answered as 4xx
    edited = {
      content,
      messageType: `${header.messageCode}^${header.triggerEvent}`,
      patientKey: patientKeyOf(content, header),
      sender: senderOf(header),
      controlId: header.controlId,
    };
  }
  const replay = await deps.store.prepareReplay(id, edited, actor);
  await deps.queue.enqueue(id, `r${replay}`);
  deps.logger?.info('message replay queued', { messageId: id, attempt: replay, reason: edited ? 'edited' : 'as stored' });
  return { id, replay };
}
