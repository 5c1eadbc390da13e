/**
 * Request validation shared by the admin routes: zod → the value, or BAD_REQUEST naming each problem.
 * Text holding NUL (U+0000) is refused first, wherever it is (query, path, body): no HL7, X12 or filter value
 * holds one, and the store cannot take it as text — without this check it would answer 500.
 */
import type { z } from 'zod';
import { EngineError } from '../core/errors';

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
