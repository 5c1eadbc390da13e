/**
 * The logger facade: the only way engine code writes logs. JSON lines through winston.
 *
 * Contract: `log.info(event, fields)` — `event` is a fixed, PHI-free phrase written in code; `fields` is a
 * flat object. Only keys in SAFE_KEYS are written as given; any other key is written as "[redacted]".
 * String values of safe keys are still scrubbed: text that looks like HL7 (segment ids, field separators)
 * is replaced, so a raw message pasted into an error text never reaches the log.
 */
import winston from 'winston';

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;

/** Keys whose values are operational metadata, never patient data. */
const SAFE_KEYS = new Set([
  'messageId',
  'channel',
  'status',
  'fromStatus',
  'toStatus',
  'code',
  'controlId',
  'messageType',
  'version',
  'stage',
  'attempt',
  'attempts',
  'durationMs',
  'delayMs',
  'count',
  'port',
  'host',
  'remote',
  'connections',
  'bytes',
  'maxBytes',
  'error',
  'reason',
  'role',
  'store',
  'queue',
  'url',
  'jobId',
  'charges',
  'recovered',
  'pid',
  'signal',
  'dataDir',
  'file',
  'ackCode',
  'sender',
  'mapping',
  'limit',
  'method',
  'route',
  'statusCode',
  'scheme',
  'server',
  'serial',
  'validTo',
  // billing.yaml payer ids (configuration, never patient data)
  'payer',
  'payersAdded',
  'payersRemoved',
]);

const HL7_SEGMENT = /(^|[\r\n\s"'])(MSH|PID|PV1|FT1|IN1|IN2|NK1|GT1|DG1|PR1|OBX|OBR|ORC|RXA|RXD|RXE|EVN|NTE|MSA|ERR|Z[A-Z0-9]{2})[|]/;
const FIELD_RUN = /[^|\s]*\|[^|\s]*\|/; // two field separators in a row-ish: an HL7 fragment

/** Keys whose values are HL7 envelope codes with component separators by nature (DFT^P03, APP^1.2.3^ISO). */
const CARET_KEYS = new Set(['messageType', 'sender']);

/** Scrubs one value: HL7-looking text is replaced. `allowCaret` keeps envelope codes readable. Exported for tests. */
export function scrubValue(value: LogValue, allowCaret = false): LogValue {
  if (typeof value !== 'string') return value;
  if (HL7_SEGMENT.test(value) || FIELD_RUN.test(value) || (!allowCaret && value.includes('^'))) return '[redacted:hl7]';
  return value.length > 300 ? `${value.slice(0, 300)}…` : value;
}

export function redactFields(fields: LogFields | undefined): Record<string, LogValue> {
  const out: Record<string, LogValue> = {};
  if (!fields) return out;
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SAFE_KEYS.has(key) ? scrubValue(value, CARET_KEYS.has(key)) : '[redacted]';
  }
  return out;
}

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` (already PHI-free, e.g. channel) to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** The lowest level written (the engine passes LOG_LEVEL from its configuration); absent = info. */
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was written. */
  stream?: NodeJS.WritableStream;
  /** Silence all output (unit tests). */
  silent?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const transport = options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console();
  const base = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
  return wrap(base, {});
}

function wrap(base: winston.Logger, bound: LogFields): Logger {
  // A line under the logger's level is dropped before its fields are scrubbed and formatted (winston would format
  // it and only then let the transport drop it): the pipeline's per-message debug lines cost nothing at info.
  const write = (level: string) => (event: string, fields?: LogFields) => {
    if (!base.isLevelEnabled(level)) return;
    base.log(level, String(scrubValue(event)), { ...redactFields(bound), ...redactFields(fields) });
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => wrap(base, { ...bound, ...fields }),
  };
}

/** A logger that writes nothing: for pure-code tests. */
export const silentLogger: Logger = createLogger({ silent: true });
