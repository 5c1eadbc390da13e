/**
 * What the mapping editor shows of a preview (POST /api/mappings/:name/preview, src/mappings/editor.ts): the
 * shapes of its answer, the editor range of a validation issue (line:col → offsets), the charge changes as
 * table rows in plain words, and a one-line summary. Pure, no DOM. The answer's shapes are the API's wire types
 * (src/admin/wire/mappings.ts).
 */
import { RECORD_KINDS, type MappedRecord, type OutcomeError, type PreviewResult, type RecordKind } from '../admin/wire/mappings';

export {
  RECORD_KINDS,
  type MappedRecord,
  type MappedRecords,
  type MappingIssue,
  type MappingOutcome,
  type OutcomeError,
  type PreviewMessage,
  type PreviewResult,
  type RecordChange,
  type RecordKind,
} from '../admin/wire/mappings';

/** Editor offsets of an issue: from its column to the end of the word there (the whole line when col is 1). */
export function issueRange(text: string, line: number, col: number): { from: number; to: number } {
  const lines = text.split('\n');
  if (line < 1 || line > lines.length) return { from: text.length, to: text.length };
  let start = 0;
  for (let i = 0; i < line - 1; i++) start += (lines[i] ?? '').length + 1;
  const lineText = lines[line - 1] ?? '';
  const column = Math.min(Math.max(col, 1) - 1, lineText.length);
  const from = start + column;
  if (column === 0) return { from, to: start + lineText.length };
  const word = /^\S*/.exec(lineText.slice(column))?.[0] ?? '';
  return { from, to: from + Math.max(word.length, column < lineText.length ? 1 : 0) };
}

/** A value of a record as plain text: null/empty → "—", lists joined, anything else as JSON. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.map(showValue).join(', ');
  return JSON.stringify(v);
}

/** A charge in a few words: "reversal CPT 99605 ×1.000 75.00 on 2025-03-01 (TX-0001)", and a held one's reason. */
export function describeCharge(r: MappedRecord): string {
  const parts = [
    r.kind === 'reversal' ? 'reversal' : undefined,
    [r.codeSystem, r.code].filter((x) => typeof x === 'string' && x).join(' ') || undefined,
    typeof r.units === 'string' ? `×${r.units}` : undefined,
    typeof r.chargeAmount === 'string' ? r.chargeAmount : undefined,
    typeof r.serviceDate === 'string' ? `on ${r.serviceDate}` : undefined,
    typeof r.transactionId === 'string' && r.transactionId ? `(${r.transactionId})` : undefined,
    typeof r.holdReason === 'string' ? `held: ${r.holdReason}` : undefined,
  ];
  return parts.filter(Boolean).join(' ') || 'a charge';
}

export interface ChangeRow {
  messageId: string | null;
  controlId: string;
  /** "charge 1", "patient 1", or "outcome" for an error change. */
  target: string;
  change: 'added' | 'removed' | 'changed' | 'error';
  field: string | null;
  before: string;
  after: string;
}

const singular: Record<RecordKind, string> = { charges: 'charge', patients: 'patient', coverages: 'coverage', merges: 'merge' };

function describeRecord(kind: RecordKind, r: MappedRecord): string {
  if (kind === 'charges') return describeCharge(r);
  if (kind === 'merges') return `merge of ${showValue(r.priorPatientRef)} into ${showValue(r.patientRef)}`;
  return kind === 'patients' ? `patient ${showValue(r.patientRef)}` : `coverage ${showValue(r.planId)}`;
}

const describeError = (e: OutcomeError | null): string => (e ? `${e.code}: ${e.message}` : 'no error');

/** The changes of every message as rows, for the record kinds asked (errors always). */
export function changeRows(result: PreviewResult, kinds: readonly RecordKind[] = RECORD_KINDS): ChangeRow[] {
  const rows: ChangeRow[] = [];
  for (const m of result.messages) {
    for (const c of m.diff) {
      const base = { messageId: m.messageId, controlId: m.controlId };
      if (c.change === 'error') {
        rows.push({
          ...base,
          target: 'outcome',
          change: 'error',
          field: null,
          before: describeError(c.before),
          after: describeError(c.after),
        });
        continue;
      }
      if (!kinds.includes(c.kind)) continue;
      const target = `${singular[c.kind]} ${c.index + 1}`;
      if (c.change === 'added')
        rows.push({ ...base, target, change: 'added', field: null, before: '—', after: describeRecord(c.kind, c.after) });
      else if (c.change === 'removed')
        rows.push({ ...base, target, change: 'removed', field: null, before: describeRecord(c.kind, c.before), after: '—' });
      else rows.push({ ...base, target, change: 'changed', field: c.field, before: showValue(c.before), after: showValue(c.after) });
    }
  }
  return rows;
}

export interface PreviewSummary {
  messages: number;
  /** Messages whose outcome differs in any way. */
  changed: number;
  /** Messages whose charges (or whose success or failure) differ. */
  chargesChanged: number;
  /** Messages the candidate fails on. */
  failing: number;
}

export function summarize(result: PreviewResult): PreviewSummary {
  let chargesChanged = 0;
  let failing = 0;
  for (const m of result.messages) {
    if (m.diff.some((c) => c.change === 'error' || c.kind === 'charges')) chargesChanged++;
    if ('error' in m.candidate) failing++;
  }
  return { messages: result.messages.length, changed: result.changed, chargesChanged, failing };
}

/** "3 of 20 messages would bill differently; 1 fails with the edited mapping." */
export function summaryText(s: PreviewSummary): string {
  if (s.messages === 0) return 'No stored message is routed to this mapping yet: paste a message to try it.';
  const of = `${s.chargesChanged} of ${s.messages} ${s.messages === 1 ? 'message' : 'messages'}`;
  const head =
    s.chargesChanged === 0
      ? `No charge changes on ${s.messages === 1 ? 'the message' : `the ${s.messages} messages`}`
      : `${of} would bill differently`;
  const other = s.changed > s.chargesChanged ? `; ${s.changed - s.chargesChanged} more change only patient or coverage records` : '';
  const failing = s.failing > 0 ? `; ${s.failing} ${s.failing === 1 ? 'fails' : 'fail'} with this mapping` : '';
  return `${head}${other}${failing}.`;
}
