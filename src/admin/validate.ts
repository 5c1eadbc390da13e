/** Request validation shared by the admin routes: zod → the value, or BAD_REQUEST naming each problem. */
import type { z } from 'zod';
import { EngineError } from '../core/errors';

export function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const reason = result.error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ');
  throw new EngineError('BAD_REQUEST', `invalid ${where}: ${reason}`);
}
