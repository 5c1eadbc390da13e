/**
 * "Add this payer" (POST /api/billing/payers): a payer entry written into billing.yaml the way an admin would type it,
 * keeping the file's comments, order and layout (the `yaml` Document API edits the parsed document; nothing else is
 * re-printed), then checked by the same validation the engine runs at start before a byte is written.
 *
 * Contract of addPayerText (pure): returns the new text, or throws EngineError BAD_REQUEST when the request is not a
 * payer the file could hold (the reasons name keys, as a reload would), CONFLICT when the id (or the feed id) is
 * already a payer or another payer's feed id. The file itself is written by writeBillingFile: atomically (temp +
 * rename), DIRECTORY_NOT_WRITABLE naming the folder when the engine's user cannot write it.
 */
import path from 'node:path';
import { isMap, parseDocument, stringify } from 'yaml';
import { writeFileAtomically } from '../core/atomic-file';
import { ConfigError } from '../core/config-file';
import { EngineError } from '../core/errors';
import { asUnwritable } from '../core/writable-dir';
import { parseBillingConfigText, payerOf, type BillingConfig } from './config';

/** What the console's form sends. */
export interface NewPayer {
  /** The payer id claims carry (837P 2010BB NM109), as the clearinghouse gives it. */
  id: string;
  name: string;
  /** SBR09 claim filing indicator (CI, MB, MC, …). */
  filingIndicator: string;
  /** The id the feed's coverages carry for this payer, when it differs from `id` (becomes `feedIds: [..]`). */
  feedId?: string;
}

/** billing.yaml's text with `payer` added under `payers:`; checked against the billing schema. */
export function addPayerText(
  text: string,
  file: string,
  payer: NewPayer,
  env: Record<string, string | undefined>,
  dataDir: string,
): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new EngineError('CONFLICT', `${file} is not valid YAML now: fix it first (POST /api/billing/reload says where)`);
  const before = parseOrConflict(text, file, env, dataDir);
  if (before.payers.has(payer.id) || before.feedIds.has(payer.id)) {
    throw new EngineError('CONFLICT', `payer ${payer.id} is already in ${path.basename(file)}`);
  }
  if (payer.feedId !== undefined && payer.feedId !== payer.id) {
    const owner = payerOf(before, payer.feedId);
    if (owner) throw new EngineError('CONFLICT', `feed id ${payer.feedId} already bills payer ${owner.id}`);
  }

  const next = insertPayer(text, doc.get('payers', true), payer);
  try {
    parseBillingConfigText(next, file, env, dataDir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new EngineError('BAD_REQUEST', err.issues.map((i) => i.reason).join('; '));
  }
  return next;
}

/**
 * The text with the payer's lines inserted after the last line of the `payers:` block, indented as its other payers
 * are: every other byte (comments, spacing, quoting, order) stays as the admin wrote it.
 */
function insertPayer(text: string, payers: unknown, payer: NewPayer): string {
  if (!isMap(payers) || !payers.range || payers.items.length === 0 || payers.flow) {
    throw new EngineError('CONFLICT', 'billing.yaml has no block of payers to add to: add the payer by hand');
  }
  const firstKey = payers.items[0]!.key as { range?: [number, number, number] } | null;
  const keyStart = firstKey?.range?.[0] ?? payers.range[0];
  const indent = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
  const step = ' '.repeat(Math.max(2, indent));
  const lines = [
    `${payer.id}:`,
    `${step}name: ${scalar(payer.name)}`,
    `${step}filingIndicator: ${scalar(payer.filingIndicator)}`,
    `${step}route: 837P`,
    ...(payer.feedId !== undefined && payer.feedId !== payer.id ? [`${step}feedIds: [${scalar(payer.feedId)}]`] : []),
  ].map((l) => ' '.repeat(indent) + l);
  const blockEnd = payers.range[1];
  const lineEnd = text.indexOf('\n', Math.max(0, blockEnd - 1));
  const at = lineEnd < 0 ? text.length : lineEnd;
  return `${text.slice(0, at)}\n${lines.join('\n')}${text.slice(at)}`;
}

/** A value as YAML writes it in a block (quoted when plain text would read as something else). */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** Writes billing.yaml atomically; DIRECTORY_NOT_WRITABLE (naming the folder and the cause) when it cannot be written. */
export function writeBillingFile(file: string, text: string): void {
  try {
    writeFileAtomically(file, text);
  } catch (err) {
    throw asUnwritable(
      err,
      path.dirname(file),
      'the billing folder',
      'make it writable by the engine, or add the payer to billing.yaml by hand (it is reloaded when it changes)',
    );
  }
}

function parseOrConflict(text: string, file: string, env: Record<string, string | undefined>, dataDir: string): BillingConfig {
  try {
    return parseBillingConfigText(text, file, env, dataDir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new EngineError('CONFLICT', `${file} does not validate now: fix it first (${err.message.split('\n')[0]})`);
  }
}
