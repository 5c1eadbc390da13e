/** Add-on codes need one of their primary codes on the same date of service (tables.ADD_ON_PRIMARIES). */
import { lineFinding } from '../finding';
import { linesByDate } from '../formats';
import { ADD_ON_PRIMARIES } from '../tables';
import type { ScrubRule } from '../types';

export const rule: ScrubRule = {
  id: 'add-on-pairing',
  severity: 'error',
  scope: 'line',
  description:
    'Add-on codes appear with a primary code on the same date of service: 99607 with 99605/99606, 90472 with 90471/90473, 90474 with 90473/90471, M0201 with a Medicare administration.',
  check(claim) {
    if (!claim.lines.some((l) => primariesOf(l.code))) return []; // no add-on code: nothing to pair
    return [...linesByDate(claim)].flatMap(([dos, lines]) => {
      const codes = new Set(lines.map((l) => l.code));
      return lines.flatMap((line) => {
        const primaries = primariesOf(line.code);
        if (!primaries || primaries.some((p) => codes.has(p))) return [];
        return [
          lineFinding(
            rule,
            line.lineNumber,
            `${line.code} is an add-on code: it needs ${orList(primaries)} on the same date of service (${dos})`,
          ),
        ];
      });
    });
  },
};

function primariesOf(code: string): readonly string[] | undefined {
  return Object.prototype.hasOwnProperty.call(ADD_ON_PRIMARIES, code) ? ADD_ON_PRIMARIES[code] : undefined;
}

function orList(codes: readonly string[]): string {
  return codes.length === 1 ? codes[0]! : `${codes.slice(0, -1).join(', ')} or ${codes[codes.length - 1]}`;
}
