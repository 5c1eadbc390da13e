/**
 * Fee-schedule files (pure; docs/billing.md "Pricing"): a CSV whose first line names the columns, in any order,
 * matched without regard to case or surrounding spaces:
 *
 *   code_system, code, method, effective_from   required
 *   effective_to, amount, unit_cost, formula, description   optional columns
 *
 * - code_system: NDC, CPT or HCPCS. code: an NDC in any hyphenated form (4-4-2, 5-3-2, 5-4-1, 5-4-2) or 11 digits,
 *   stored as 11 digits by the mapping language's `ndc11`, so a schedule row and a dispense agree on every NDC; a
 *   CPT/HCPCS code (5 characters); `*` on an admin row: any immunization administration without a row of its own.
 * - method: `uc` (usual & customary: amount per unit), `cost` (unit_cost and formula), `admin` (vaccine
 *   administration fee: amount per administration).
 * - effective_from / effective_to: YYYY-MM-DD, inclusive; no effective_to: open-ended.
 * - amount, unit_cost: decimals ≥ 0 with at most 5 places (a per-tablet price needs them).
 * - formula (cost rows only): `BASIS * MULTIPLIER [+ FEE]`, e.g. `AWP * 0.85 + 10.50`: BASIS one of AWP, WAC,
 *   NADAC, AAC, ACQ, COST (the kind of price unit_cost is); `*` may be written `×` or `x`; the fee has at most 2
 *   places. Parsed by one pattern, never evaluated.
 *
 * Fed line by line (a quoted cell may span lines); each record is a row or a rejection with its line and reason,
 * so one bad row never stops an import and is never dropped silently. Blank lines and lines starting with `#`
 * are skipped. A row repeating an earlier row's key (code system, code, method, effective_from) is rejected,
 * naming the earlier line.
 */
import { MAPPING_FUNCTIONS } from '../../mappings/functions';
import { isDecimal, normalizeDecimal } from '../../core/decimal';
import { headerText, recordGatherer } from '../codesets/delimited';
import { PRICE_METHODS, type CostFormula, type FeeRow, type PriceMethod } from './pricing';

export type FeeScheduleRow = { ok: true; row: FeeRow; line: number } | { ok: false; line: number; reason: string };

/** A file that cannot be read as a fee schedule at all (no header, a required column missing, an open quote). */
export class FeeScheduleFileError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'FeeScheduleFileError';
  }
}

export const FEE_COLUMNS = [
  'code_system',
  'code',
  'method',
  'effective_from',
  'effective_to',
  'amount',
  'unit_cost',
  'formula',
  'description',
] as const;
type Column = (typeof FEE_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['code_system', 'code', 'method', 'effective_from'];

export const COST_BASES = ['AWP', 'WAC', 'NADAC', 'AAC', 'ACQ', 'COST'] as const;
const DECIMAL_TEXT = '(\\d+(?:\\.\\d+)?|\\.\\d+)';
const FORMULA = new RegExp(`^([A-Za-z]+)\\s*[*×xX]\\s*${DECIMAL_TEXT}\\s*(?:\\+\\s*${DECIMAL_TEXT})?$`);
const PROCEDURE_CODE = /^(\d{4}[0-9A-Z]|[A-Z]\d{4})$/;
const ndc11 = MAPPING_FUNCTIONS.ndc11!;

/** `AWP * 0.85 + 10.50` → its parts, or the reason it is not a formula. */
export function parseCostFormula(text: string): CostFormula | string {
  const m = FORMULA.exec(text.trim());
  if (!m) return `formula "${text.trim()}" is not BASIS * MULTIPLIER [+ FEE] (e.g. AWP * 0.85 + 10.50)`;
  const basis = m[1]!.toUpperCase();
  if (!(COST_BASES as readonly string[]).includes(basis)) return `formula basis ${basis} is not one of ${COST_BASES.join(', ')}`;
  const multiplier = m[2]!;
  if (places(multiplier) > 4) return 'formula multiplier has more than 4 decimal places';
  if (Number(multiplier) <= 0 || Number(multiplier) >= 10) return 'formula multiplier must be above 0 and below 10';
  const fee = m[3] ?? '0';
  if (places(fee) > 2) return 'formula dispensing fee has more than 2 decimal places';
  if (Number(fee) >= 10_000) return 'formula dispensing fee is too large';
  return { basis, multiplier: normalizeDecimal(multiplier, 4), fee: normalizeDecimal(fee, 2) };
}

function places(d: string): number {
  const dot = d.indexOf('.');
  return dot < 0 ? 0 : d.length - dot - 1;
}

function isDate(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

/** A price cell: a decimal ≥ 0 with at most 5 places, below 10^9; normalized to 5 places. */
function priceCell(value: string, column: string): string {
  if (!isDecimal(value) || value.startsWith('-') || value.startsWith('+'))
    throw new RowProblem(`${column} "${value}" is not an amount (digits and a point)`);
  if (places(value) > 5) throw new RowProblem(`${column} has more than 5 decimal places`);
  if (Number(value) >= 1e9) throw new RowProblem(`${column} is too large`);
  return normalizeDecimal(value, 5);
}

class RowProblem extends Error {}

export class FeeScheduleReader {
  private columns: Map<Column, number> | undefined;
  private readonly gather = recordGatherer(',');
  private readonly seen = new Map<string, number>();

  /** `source` names the file in each row's `source` (file:line). */
  constructor(private readonly source: string) {}

  /** Feeds one line; returns the rows it completed (none while a quoted cell is open, or for the header). */
  line(text: string, lineNumber: number): FeeScheduleRow[] {
    if (this.columns === undefined && text.trim() === '') return [];
    if (text.trim() === '' || (text.trimStart().startsWith('#') && this.gather.pending() === undefined)) return [];
    const rec = this.gather.line(text, lineNumber);
    if (!rec) return [];
    if (this.columns === undefined) {
      this.columns = this.header(
        rec.cells.map((c) => c.replace(/^\uFEFF/, '')),
        rec.line,
      );
      return [];
    }
    try {
      return [{ ok: true, row: this.row(rec.cells, rec.line), line: rec.line }];
    } catch (err) {
      if (err instanceof RowProblem) return [{ ok: false, line: rec.line, reason: err.message }];
      throw err;
    }
  }

  /** After the last line: throws when the file had no header or ends inside a quoted cell. */
  end(): void {
    const open = this.gather.pending();
    if (open !== undefined) throw new FeeScheduleFileError(open, 'a quoted cell is never closed');
    if (this.columns === undefined) throw new FeeScheduleFileError(1, `no header line (expected the columns ${REQUIRED.join(', ')}, …)`);
  }

  private header(cells: string[], line: number): Map<Column, number> {
    const columns = new Map<Column, number>();
    cells.forEach((cell, i) => {
      const name = headerText(cell).replace(/ /g, '_') as Column;
      if (!(FEE_COLUMNS as readonly string[]).includes(name)) {
        throw new FeeScheduleFileError(line, `unknown column "${cell.trim()}" (columns: ${FEE_COLUMNS.join(', ')})`);
      }
      if (columns.has(name)) throw new FeeScheduleFileError(line, `column ${name} appears twice`);
      columns.set(name, i);
    });
    const missing = REQUIRED.filter((c) => !columns.has(c));
    if (missing.length > 0)
      throw new FeeScheduleFileError(line, `the header lacks ${missing.join(', ')} (columns: ${FEE_COLUMNS.join(', ')})`);
    return columns;
  }

  private row(cells: string[], line: number): FeeRow {
    const cell = (c: Column): string => {
      const i = this.columns!.get(c);
      return i === undefined ? '' : (cells[i] ?? '').trim();
    };
    if (cells.length > this.columns!.size && cells.slice(this.columns!.size).some((c) => c.trim() !== '')) {
      throw new RowProblem(`${cells.length} cells, the header names ${this.columns!.size}`);
    }
    const system = cell('code_system').toUpperCase();
    if (!['NDC', 'CPT', 'HCPCS'].includes(system)) throw new RowProblem(`code_system "${cell('code_system')}" is not NDC, CPT or HCPCS`);
    const method = cell('method').toLowerCase() as PriceMethod;
    if (!PRICE_METHODS.includes(method)) throw new RowProblem(`method "${cell('method')}" is not ${PRICE_METHODS.join(', ')}`);
    const rawCode = cell('code');
    if (!rawCode) throw new RowProblem('code is empty');
    let code: string;
    if (rawCode === '*') {
      if (method !== 'admin' || system === 'NDC')
        throw new RowProblem('code * (any immunization administration) is only for CPT/HCPCS admin rows');
      code = '*';
    } else if (system === 'NDC') {
      try {
        code = ndc11(rawCode);
      } catch (err) {
        throw new RowProblem(`NDC "${rawCode}" ${(err as Error).message}`);
      }
    } else {
      code = rawCode.toUpperCase();
      if (!PROCEDURE_CODE.test(code)) throw new RowProblem(`${system} code "${rawCode}" is not 5 characters (e.g. 90471, G0008)`);
    }
    const from = cell('effective_from');
    if (!isDate(from)) throw new RowProblem(`effective_from "${from}" is not a date (YYYY-MM-DD)`);
    const to = cell('effective_to');
    if (to && !isDate(to)) throw new RowProblem(`effective_to "${to}" is not a date (YYYY-MM-DD)`);
    if (to && to < from) throw new RowProblem(`effective_to ${to} is before effective_from ${from}`);

    const amountText = cell('amount');
    const unitCostText = cell('unit_cost');
    const formulaText = cell('formula');
    let amount: string | null = null;
    let unitCost: string | null = null;
    let formula: CostFormula | null = null;
    if (method === 'cost') {
      if (amountText) throw new RowProblem('a cost row prices by unit_cost and formula; amount is for uc and admin rows');
      if (!unitCostText) throw new RowProblem('a cost row needs unit_cost (the basis price per unit)');
      if (!formulaText) throw new RowProblem('a cost row needs formula (e.g. AWP * 0.85 + 10.50)');
      unitCost = priceCell(unitCostText, 'unit_cost');
      const parsed = parseCostFormula(formulaText);
      if (typeof parsed === 'string') throw new RowProblem(parsed);
      formula = parsed;
    } else {
      const row = method === 'admin' ? 'an admin row' : 'a uc row';
      if (unitCostText || formulaText) throw new RowProblem(`${row} prices by amount; unit_cost and formula are for cost rows`);
      if (!amountText) throw new RowProblem(`${row} needs amount (the price per unit)`);
      amount = priceCell(amountText, 'amount');
    }
    const key = [system === 'NDC' ? 'NDC' : 'CODE', code, method, from].join('|');
    const earlier = this.seen.get(key);
    if (earlier !== undefined) throw new RowProblem(`repeats line ${earlier} (same code system, code, method and effective_from)`);
    this.seen.set(key, line);
    const description = cell('description');
    return {
      codeSystem: system,
      code,
      method,
      effectiveFrom: from,
      effectiveTo: to || null,
      amount,
      unitCost,
      formula,
      source: `${this.source}:${line}`,
      ...(description ? { description: description.slice(0, 200) } : {}),
    };
  }
}
