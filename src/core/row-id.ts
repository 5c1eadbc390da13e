/**
 * The ids of stored rows (messages, claims, charges, tokens, audit events, …) as the API, the CLI and the
 * console write them: the store's bigint id in decimal, 1 to 18 digits (so it always fits a signed 64-bit
 * integer). Anything else is refused before the store is asked. Pure, no Node modules.
 */
export const ROW_ID_PATTERN = /^\d{1,18}$/;

/** Whether the text is a row id (see ROW_ID_PATTERN). */
export function isRowId(text: string): boolean {
  return ROW_ID_PATTERN.test(text);
}
