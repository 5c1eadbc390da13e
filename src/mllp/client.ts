/**
 * Outbound MLLP on node-hl7-client (STACK.md): one connection, messages sent one at a time, each after the previous
 * one's answer. Implements src/acks/ports.ts MllpSend; transport only (what an answer means is the caller's call).
 *
 * node-hl7-client queues a message even when the connection is refused and its sendMessage resolves at once, so the
 * outcome is read from its events: the answer handler, `client.error` (refused, reset), `close` and our timer.
 */
import { Client, Message } from 'node-hl7-client';

export interface MllpClientTarget {
  host: string;
  port: number;
  /** Wait for the connection and for each answer at most this long. */
  timeoutMs: number;
}

/**
 * A node-hl7-client Message that sends `text` unchanged. node-hl7-client's Message refuses a whole message text
 * ("Multiple MSH segments found") whenever any field holds the value "MSH" (it counts every /MSH\|/ as a segment
 * start, STACK.md), although the message is valid; the transport only needs the text (sendMessage sends
 * `toString()`), so this one is built from the MSH segment's first field and encoding characters alone (even MSH-10
 * may end in "MSH") and carries the whole text.
 */
export class OutboundMessage extends Message {
  readonly #text: string;
  constructor(text: string) {
    super({ text: text.startsWith('MSH') ? text.slice(0, 8) : text });
    this.#text = text;
  }
  override toString(): string {
    return this.#text;
  }
}

export type MllpClientExchange = { ok: true; answer: string } | { ok: false; error: string };

export async function sendMllpMessages(target: MllpClientTarget, messages: readonly string[]): Promise<MllpClientExchange[]> {
  const results: MllpClientExchange[] = [];
  if (messages.length === 0) return results;
  const client = new Client({ host: target.host, connectionTimeout: target.timeoutMs });
  let settle: ((r: MllpClientExchange) => void) | undefined;
  const once = (r: MllpClientExchange) => {
    const s = settle;
    settle = undefined;
    s?.(r);
  };
  const connection = client.createConnection(
    { port: target.port, waitAck: true, maxConnectionAttempts: 1, maxAttempts: 1, autoConnect: true },
    async (res) => {
      once({ ok: true, answer: res.getMessage().toString() });
    },
  );
  let broken: string | undefined;
  const onError = (err: unknown) => {
    broken = `${target.host}:${target.port}: ${describe(err)}`;
    once({ ok: false, error: broken });
  };
  connection.on('client.error', onError);
  connection.on('close', () => {
    broken ??= `${target.host}:${target.port}: connection closed`;
    once({ ok: false, error: broken });
  });
  try {
    for (const text of messages) {
      if (broken) {
        results.push({ ok: false, error: broken });
        continue;
      }
      const exchange = await new Promise<MllpClientExchange>((resolve) => {
        const timer = setTimeout(
          () => once({ ok: false, error: `${target.host}:${target.port}: no answer within ${target.timeoutMs} ms` }),
          target.timeoutMs,
        );
        settle = (r) => {
          clearTimeout(timer);
          resolve(r);
        };
        connection.sendMessage(new OutboundMessage(text)).catch((err: unknown) => onError(err));
      });
      if (!exchange.ok) broken ??= exchange.error;
      results.push(exchange);
    }
  } finally {
    connection.removeAllListeners('close');
    await connection.close().catch(() => undefined);
    client.closeAll();
  }
  return results;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'connection error';
}
