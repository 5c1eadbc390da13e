/**
 * The contract between a channel's destinations (delivery: queue, retries, dead letters, replay) and the connectors
 * that carry one payload to one receiver (MLLP, HTTP, registry SOAP, file, SFTP, FHIR server).
 *
 * Contract:
 * - A connector is built once per destination from its options (validated by its own strict zod schema, so a wrong
 *   key in a channel file is an error with its path) and reused for every delivery; `close` ends its connections.
 * - `send` never rejects: every outcome is a DeliveryResult. `delivered` means the receiver took the payload (MLLP
 *   AA/CA with MSA-2 = the payload's control id, HTTP status and body rule, registry success, file renamed into
 *   place, FHIR 2xx). `retry` is a transient failure (unreachable, timeout, 5xx, dropped connection): delivery tries
 *   again with backoff. `rejected` is the receiver refusing this payload for good (AR, 4xx, a registry fault that
 *   names the message): no retry, the delivery becomes a destination dead letter with `error`.
 * - `error` and `detail` are shown to ops staff and may be logged: they carry no message content (no patient data),
 *   only codes, statuses, the receiver's ERR/fault codes and texts.
 * - A connector honours `signal`: when aborted (shutdown, timeout) it stops and answers `retry`.
 */
import type { z } from 'zod';
import type { Logger } from '../core/logger';

/** The formats a destination's transformer produces. */
export type PayloadFormat = 'hl7v2' | 'fhir' | 'json';

/** One transformed message, ready for a connector. */
export interface OutboundPayload {
  format: PayloadFormat;
  /** The text sent: an HL7 v2 message (segments ended by \r), or JSON (a FHIR resource or Bundle, or any JSON). */
  body: string;
  /** The media type, e.g. `application/hl7-v2`, `application/fhir+json`, `application/json`. */
  contentType: string;
  /** HL7 v2 only: the outbound MSH-10, which the receiver's MSA-2 must echo. */
  controlId?: string;
  /** Stable for every attempt of one delivery (`<message id>:<destination>`): an idempotency key for receivers. */
  deliveryKey: string;
  /** The stored message this payload comes from, and its channel and destination (names only). */
  messageId: string;
  channel: string;
  destination: string;
}

export type DeliveryResult =
  | { kind: 'delivered'; detail?: string }
  | { kind: 'retry'; error: string }
  | {
      kind: 'rejected';
      error: string;
      /**
       * The receiver's own words about the refusal (a FHIR OperationOutcome's diagnostics), which may quote the
       * payload: shown to ops staff with the dead letter, never logged. Optional: connectors without it leave it out.
       */
      receiverText?: string;
    };

export interface Connector {
  send(payload: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/** What a connector may use besides its options. */
export interface ConnectorContext {
  logger: Logger;
  /**
   * The folder of the channel file the destination is written in (usually the project's channels/): relative paths in
   * options (key files, folders) are resolved against it, as the channel's own source.tls paths are.
   */
  baseDir: string;
}

/** One kind of connector: `type` is the `connector.type` value in a channel file. */
export interface ConnectorFactory<Options = unknown> {
  type: string;
  /** Strict schema of the connector's options (the `connector:` mapping without `type`). */
  options: z.ZodType<Options>;
  create(options: Options, context: ConnectorContext): Connector;
}
