/**
 * Request validation shared by the admin routes: `parse` (zod → the value, or BAD_REQUEST naming each problem)
 * and the schemas more than one route takes — row ids, page limits, message types, date filters, patient terms —
 * so a value is read the same way on every route.
 * Text holding NUL (U+0000) is refused first, wherever it is (query, path, body): no HL7, X12 or filter value
 * holds one, and the store cannot take it as text — without this check it would answer 500.
 */
import { z } from 'zod';
import { EngineError } from '../core/errors';
import { ROW_ID_PATTERN } from '../core/row-id';
import { MESSAGE_TYPE_PATTERN } from '../hl7/message-type';

/** A stored row's id (message, claim, token, audit event, …) in a path, query or body: 1 to 18 digits. */
export const rowId = z.string().regex(ROW_ID_PATTERN, 'must be a number');

/** `/:id` path parameters. */
export const rowIdParams = z.strictObject({ id: rowId });

/** `limit` of a paged list: 1 to 500 rows, 50 when not given. Pages continue with `before` (a rowId). */
export const pageLimit = z.coerce.number().int().min(1).max(500).default(50);

/** MSH-9 type^event, e.g. DFT^P03. */
export const messageType = z.string().regex(MESSAGE_TYPE_PATTERN, 'must look like DFT^P03');

/** An ISO 8601 date-time with its offset or Z (`from`/`to` of the message search), read as a Date. */
export const isoDateTime = z.iso
  .datetime({ offset: true, message: 'must be an ISO date-time, e.g. 2026-03-01T00:00:00Z' })
  .transform((v) => new Date(v));

/**
 * A date (YYYY-MM-DD) or an ISO timestamp (`since`/`until` of the billing reports), kept as the text given: the
 * store reads it. Minutes are required in a timestamp, seconds and an offset are not; a space may stand for T.
 */
export const dateOrTimestamp = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/,
    'must be a date (YYYY-MM-DD) or an ISO timestamp',
  )
  .refine((v) => !Number.isNaN(Date.parse(v.replace(' ', 'T'))), 'must be a real date');

/** An ISO 8601 date or date-time (`since` of the audit trail), read as a Date. */
export const dateOrDateTime = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)),
    'must be an ISO 8601 date or date-time',
  )
  .transform((s) => new Date(s));

/**
 * A patient id or family-name prefix in the message search, trimmed (1 to 100 characters). Searching by patient
 * needs role operator and is audited (patient-search.ts).
 */
export const patientTerm = z.string().trim().min(1).max(100);

/**
 * The `patient` filter of the charge and claim lists, as given (up to 200 characters). Searching by it needs the
 * same role and is audited the same way as patientTerm.
 */
export const patientFilter = z.string().max(200);

export function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const nulAt = nulPath(value, []);
  if (nulAt) throw new EngineError('BAD_REQUEST', `invalid ${where}: ${nulAt.join('.') || where}: must not contain NUL (U+0000)`);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const reason = result.error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ');
  throw new EngineError('BAD_REQUEST', `invalid ${where}: ${reason}`);
}

/** The path of the first string (value or key) holding NUL, or undefined. */
function nulPath(value: unknown, at: string[]): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], [...at, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...at, key.replaceAll('\u0000', '\uFFFD')];
      const found = nulPath(v, [...at, key]);
      if (found) return found;
    }
  }
  return undefined;
}
