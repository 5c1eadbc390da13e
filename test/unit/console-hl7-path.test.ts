import { fieldTree, nodeAt, pathAt, pathLabel, pathsIn, rangeOf } from '../../src/console/hl7-path';
import { formatCompactDateTime } from '../../src/console/format';
import { idHref } from '../../src/console/id-links';

const MSH = 'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|CTRL-1|P|2.5.1';
const PID = 'PID|1||PAT-1^^^PHARM01^MR~ALT-2^^^X||DOE^JOHN||19800101|U';
const FT1 = 'FT1|1|T-1||20261103||CG|90471^Flu^C4|||1|25.00&USD';

describe('HL7 paths in the dead-letter editor', () => {
  test('error texts name positions, with repetitions and components', () => {
    expect(pathsIn('MAPPING_FIELD_MISSING: FT1-11.1.1 is empty; see also PID-3[2].1 and MSH-9, FT1-11.1.1 again').map(pathLabel)).toEqual([
      'FT1-11.1.1',
      'PID-3[2].1',
      'MSH-9',
    ]);
    expect(pathsIn(null)).toEqual([]);
    expect(pathsIn('amount missing in line 3')).toEqual([]);
  });

  test('the path under a column: segment id, fields, repetitions, components, subcomponents; MSH-1 and MSH-2 whole', () => {
    expect(pathAt(PID, 1)).toEqual({ segment: 'PID', field: 0, repetition: 1 });
    expect(pathLabel(pathAt(PID, PID.indexOf('PAT-1') + 2)!)).toBe('PID-3.1');
    expect(pathLabel(pathAt(PID, PID.indexOf('ALT-2'))!)).toBe('PID-3[2].1');
    expect(pathLabel(pathAt(PID, PID.indexOf('JOHN'))!)).toBe('PID-5.2');
    expect(pathLabel(pathAt(PID, PID.indexOf('19800101'))!)).toBe('PID-7');
    expect(pathLabel(pathAt(FT1, FT1.indexOf('USD'))!)).toBe('FT1-11.1.2');
    expect(pathLabel(pathAt(FT1, FT1.indexOf('25.00'))!)).toBe('FT1-11.1.1');
    expect(pathLabel(pathAt(MSH, 3)!)).toBe('MSH-1');
    expect(pathLabel(pathAt(MSH, 5)!)).toBe('MSH-2');
    expect(pathLabel(pathAt(MSH, MSH.indexOf('RXSYS'))!)).toBe('MSH-3');
    expect(pathLabel(pathAt(MSH, MSH.indexOf('P03'))!)).toBe('MSH-9.2');
    expect(pathLabel(pathAt(MSH, MSH.length)!)).toBe('MSH-12'); // the cursor at the end of the line
    expect(pathLabel(pathAt(FT1, FT1.indexOf('||') + 1)!)).toBe('FT1-3'); // between `||`: the empty field
    expect(pathLabel(pathAt(PID, PID.indexOf('^JOHN'))!)).toBe('PID-5.1'); // at the end of DOE
    expect(pathLabel(pathAt(MSH, 4)!)).toBe('MSH-2');
    expect(pathLabel(pathAt(MSH, 8)!)).toBe('MSH-2'); // at the end of the encoding characters
    expect(pathAt('', 0)).toBeUndefined();
    expect(pathAt('hello', 2)).toBeUndefined();
  });

  test('the columns of a named position: what the editor highlights', () => {
    const cols = (line: string, label: string) => {
      const r = rangeOf(line, pathsIn(label)[0]!);
      return r && line.slice(r.from, r.to);
    };
    expect(cols(FT1, 'FT1-11.1.1')).toBe('25.00');
    expect(cols(FT1, 'FT1-11')).toBe('25.00&USD');
    expect(cols(FT1, 'FT1-7.2')).toBe('Flu');
    expect(cols(PID, 'PID-3[2].1')).toBe('ALT-2');
    expect(cols(MSH, 'MSH-9.1')).toBe('DFT');
    expect(cols(MSH, 'MSH-2')).toBe('^~\\&');
    expect(rangeOf(FT1, pathsIn('FT1-3')[0]!)).toEqual({ from: FT1.indexOf('||') + 1, to: FT1.indexOf('||') + 1 }); // empty: after its separator
    expect(rangeOf(FT1, pathsIn('FT1-40')[0]!)).toBeUndefined();
    expect(rangeOf(PID, pathsIn('FT1-11')[0]!)).toBeUndefined();
  });

  test('the tree: segments → non-empty fields → components, and the node under the cursor', () => {
    const tree = fieldTree([MSH, PID, '', FT1]);
    expect(tree.map((n) => `${n.label}@${n.line}`)).toEqual(['MSH@1', 'PID@2', 'FT1@4']);
    const pid = tree[1]!;
    expect(pid.children.map((f) => f.label)).toEqual(['PID-1', 'PID-3', 'PID-3[2]', 'PID-5', 'PID-7', 'PID-8']);
    expect(pid.children[3]!.children.map((c) => `${c.label}=${c.value}`)).toEqual(['PID-5.1=DOE', 'PID-5.2=JOHN']);
    const ft1 = tree[2]!;
    const amount = ft1.children.find((f) => f.label === 'FT1-11')!;
    expect(FT1.slice(amount.from, amount.to)).toBe('25.00&USD');
    expect(nodeAt(tree, 2, pathAt(PID, PID.indexOf('JOHN')))?.label).toBe('PID-5.2');
    expect(nodeAt(tree, 4, pathAt(FT1, FT1.indexOf('25.00')))?.label).toBe('FT1-11');
    expect(nodeAt(tree, 1, pathAt(MSH, 0))?.label).toBe('MSH');
    expect(nodeAt(tree, 3, undefined)).toBeUndefined();
  });
});

describe('console formats and links', () => {
  test('compact date-times have one fixed width', () => {
    expect(formatCompactDateTime('2026-03-04T05:06:07Z', true)).toBe('2026-03-04 05:06:07');
    expect(formatCompactDateTime('2026-12-24T23:59:59.999Z', true)).toBe('2026-12-24 23:59:59');
    expect(formatCompactDateTime(null)).toBe('—');
    expect(formatCompactDateTime('not a date')).toBe('—');
    expect(formatCompactDateTime('2026-03-04T05:06:07Z')).toHaveLength(19);
  });

  test('every kind of id has its page', () => {
    expect(idHref('message', '12')).toBe('#/messages/12');
    expect(idHref('charge', '7', '12')).toBe('#/messages/12?charge=7');
    expect(idHref('charge', '7')).toBeUndefined();
    expect(idHref('claim', '3')).toBe('#/claims/3');
    expect(idHref('batch', '4')).toBe('#/batches?id=4');
    expect(idHref('remittance', '5')).toBe('#/remittances?id=5');
  });
});
