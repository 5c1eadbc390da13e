/**
 * What a mapping made of one message (its charges, patients and coverages, or the error that stopped it), with
 * the fields the edit changed marked, and the table of changes a preview found. Used by the mapping editor.
 */
import {
  RECORD_KINDS,
  showValue,
  type ChangeRow,
  type MappedRecord,
  type MappingOutcome,
  type RecordChange,
  type RecordKind,
} from '../mapping-preview';

const CHARGE_COLUMNS = [
  'kind',
  'serviceKind',
  'codeSystem',
  'code',
  'modifiers',
  'units',
  'chargeAmount',
  'serviceDate',
  'transactionId',
  'reversalOfTransaction',
  'patientRef',
  'ndc',
  'diagnoses',
  'renderingNpi',
  'orderingNpi',
  'rxNumber',
];
const TITLES: Record<RecordKind, string> = { charges: 'Charges', patients: 'Patients', coverages: 'Coverages', merges: 'Patient merges' };

function columnsOf(kind: RecordKind, records: readonly MappedRecord[]): string[] {
  if (kind === 'charges') return CHARGE_COLUMNS;
  const keys = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (k !== 'sourceKey') keys.add(k);
  return [...keys];
}

export function OutcomeView({ outcome, diff }: { outcome: MappingOutcome; diff: readonly RecordChange[] }) {
  if ('error' in outcome) {
    return (
      <p class="state error" role="alert">
        <strong>{outcome.error.code}</strong> {outcome.error.message}
      </p>
    );
  }
  const kinds = RECORD_KINDS.filter((k) => (outcome.records[k] ?? []).length > 0);
  if (kinds.length === 0) return <p class="state empty">The mapping makes no record of this message.</p>;
  return (
    <>
      {kinds.map((kind) => {
        const records = outcome.records[kind] ?? [];
        const columns = columnsOf(kind, records);
        const changedAt = (index: number, field: string) =>
          diff.find((c) => c.change === 'field' && c.kind === kind && c.index === index && c.field === field) as
            Extract<RecordChange, { change: 'field' }> | undefined;
        const added = (index: number) => diff.some((c) => c.change === 'added' && c.kind === kind && c.index === index);
        return (
          <div key={kind} class="records">
            <h3>
              {TITLES[kind]} ({records.length})
            </h3>
            <div class="scroll-x">
              <table class="compact">
                <thead>
                  <tr>
                    <th>#</th>
                    {columns.map((c) => (
                      <th key={c}>{c}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {records.map((r, i) => (
                    <tr key={i} class={added(i) ? 'added' : undefined} title={added(i) ? 'new with this edit' : undefined}>
                      <td>{i + 1}</td>
                      {columns.map((c) => {
                        const change = changedAt(i, c);
                        return (
                          <td
                            key={c}
                            class={change ? 'changed' : undefined}
                            title={change ? `was: ${showValue(change.before)}` : undefined}
                          >
                            {showValue(r[c])}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
    </>
  );
}

const CHANGE_WORDS: Record<ChangeRow['change'], string> = { added: 'added', removed: 'removed', changed: 'changed', error: 'outcome' };

export function ChangeTable({ rows }: { rows: readonly ChangeRow[] }) {
  if (rows.length === 0) return null;
  return (
    <div class="scroll-x">
      <table class="compact changes">
        <thead>
          <tr>
            <th>Message</th>
            <th>Record</th>
            <th>Change</th>
            <th>Field</th>
            <th>Before</th>
            <th>After</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} class={`change-${r.change}`}>
              <td class="mono">
                {r.controlId}
                {r.messageId ? ` #${r.messageId}` : ''}
              </td>
              <td>{r.target}</td>
              <td>{CHANGE_WORDS[r.change]}</td>
              <td>{r.field ?? ''}</td>
              <td class="before">{r.before}</td>
              <td class="after">{r.after}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
