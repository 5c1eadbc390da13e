/**
 * The `map` scenario of `npm run bench`: parse + map messages per second on one core, per catalogue mapping
 * (target: ≥ 20,000 DFT^P03/s for a 2 KB message with 3 FT1). No services: the loop runs
 * parseHl7 + evaluateMapping in this process, exactly what a pipeline worker does per message.
 *
 * Workloads: for dft-p03 a synthetic 2 KB 2.5.1 message with 3 FT1 lines (built below); for every other mapping
 * the richest passing case of its own test file (most expected records, then longest text), so the bench
 * measures messages the mapping is known to map. Synthetic data only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { normalizeSegments } from '../hl7/charset';
import { parseHl7 } from '../hl7/parse';
import { evaluateMapping, type MappingContext } from '../mappings/evaluate';
import { loadMappings } from '../mappings/load';
import { parseMappingTestFile } from '../mappings/test-file';

export interface MappingBenchResult {
  mapping: string;
  messageType: string;
  bytes: number;
  records: number;
  msgPerSec: number;
  seconds: number;
}

function ft1(set: number, code: string, amount: string): string {
  const f = new Array<string>(32).fill('');
  f[0] = 'FT1';
  f[1] = String(set);
  f[2] = `TXN-20261125-${set}`;
  f[3] = 'BATCH-77';
  f[4] = '20261125093000^20261125094500';
  f[5] = '20261125100000';
  f[6] = 'CG';
  f[7] = `${code}^Pharmacist clinical service ${set}^C4`;
  f[10] = '1';
  f[11] = `${amount}&USD`;
  f[12] = `${amount}&USD`;
  f[13] = 'PHARM^Pharmacy clinical services^L';
  f[14] = 'PPO1^Acme PPO^L';
  f[16] = 'PHARM01^CLINIC^1';
  f[19] = 'Z23^Encounter for immunization^I10~E11.9^Type 2 diabetes mellitus without complications^I10';
  f[20] = '1234567893^PHARMACIST^PAT^Q^^^^^NPI&2.16.840.1.113883.4.6&ISO^^^^NPI';
  f[21] = '1987654320^PRESCRIBER^DOC^R^^^^^NPI&2.16.840.1.113883.4.6&ISO^^^^NPI';
  f[23] = `ORD-${set}^PHARM01`;
  f[25] = `${code}^Pharmacist clinical service ${set}^C4`;
  f[26] = '25^Significant, separately identifiable E/M^C4';
  f[29] = '49281-0421-50^Influenza vaccine^N4';
  return f.join('|');
}

/** A 2.5.1 DFT^P03 of about 2 KB with three FT1 charge lines. */
export function benchDft(): string {
  return [
    'MSH|^~\\&|BENCHRX|PHARM01|RXBRIDGE|BILLING|20261125101500-0500||DFT^P03^DFT_P03|BENCH-DFT-1|P|2.5.1|||AL|NE||UNICODE UTF-8',
    'EVN|P03|20261125101500|||PHARMACIST^PAT',
    'PID|1||MRN778899^^^PHARM01^MR~900112233^^^USSSA^SS||TESTPATIENT^ALEX^Q^^^^L||19800101|U|||100 MAIN ST^APT 4^SPRINGFIELD^IL^62701^USA^H||^PRN^PH^^1^217^5550100|||||ACCT-5566^^^PHARM01^AN',
    'PV1|1|O|PHARM01^CLINIC^1^PHARM01||||1987654320^PRESCRIBER^DOC^R^^^^^NPI|||||||||||VISIT-8899^^^PHARM01^VN|||||||||||||||||||||||||20261125093000',
    ft1(1, '90471', '25.00'),
    ft1(2, '99606', '55.00'),
    ft1(3, '83036', '18.50'),
    'DG1|1||Z23^Encounter for immunization^I10||20261125|F',
    'IN1|1|PPO1^Acme PPO|ACME01^^^^NIIP|ACME HEALTH PLAN|PO BOX 100^^SPRINGFIELD^IL^62701||^PRN^PH^^1^800^5550199|GRP-1001|ACME EMPLOYER GROUP|||20260101|20261231|||TESTPATIENT^ALEX^Q|SEL^Self^HL70063|19800101|100 MAIN ST^APT 4^SPRINGFIELD^IL^62701^USA|||1||||||||||||||MBR-12345678|||||||U',
  ].join('\r');
}

interface Workload {
  mapping: string;
  text: string;
}

/** The richest passing case of each mapping's test file; dft-p03 gets the 2 KB synthetic message. */
export function mappingWorkloads(mappingsDir: string): Workload[] {
  const names = [...loadMappings(mappingsDir).keys()].sort();
  return names.flatMap((mapping): Workload[] => {
    if (mapping === 'dft-p03') return [{ mapping, text: benchDft() }];
    const file = path.join(mappingsDir, `${mapping}.test.yaml`);
    if (!fs.existsSync(file)) return [];
    const cases = parseMappingTestFile(fs.readFileSync(file, 'utf8'), file)
      .cases.filter((c) => c.hl7 !== undefined && c.expect !== undefined)
      .map((c) => ({
        text: normalizeSegments(c.hl7 as string),
        records: Object.values(c.expect ?? {}).reduce((n, list) => n + (Array.isArray(list) ? list.length : 0), 0),
      }))
      .sort((a, b) => b.records - a.records || b.text.length - a.text.length);
    return cases[0] ? [{ mapping, text: cases[0].text }] : [];
  });
}

/** Runs parse + map of one message for `seconds` (after a short warm-up) and returns messages per second. */
export function benchOneMapping(mappingsDir: string, work: Workload, seconds: number): MappingBenchResult {
  const plan = loadMappings(mappingsDir).get(work.mapping);
  if (!plan) throw new Error(`mapping ${work.mapping} is not loaded`);
  const first = parseHl7(work.text);
  const ctx: MappingContext = { channel: 'bench', sender: 'BENCHRX|PHARM01', controlId: first.header.controlId };
  const once = (): number => {
    const out = evaluateMapping(plan, parseHl7(work.text), ctx);
    return out.charges.length + out.patients.length + out.coverages.length;
  };
  const records = once(); // throws when the message does not map: the bench must measure real work
  const run = (ms: number): { n: number; elapsed: number } => {
    const t0 = performance.now();
    let n = 0;
    let sink = 0;
    while (true) {
      for (let i = 0; i < 256; i++) sink += once();
      n += 256;
      const elapsed = performance.now() - t0;
      if (elapsed >= ms) {
        if (sink < 0) throw new Error('unreachable');
        return { n, elapsed };
      }
    }
  };
  run(Math.min(1000, seconds * 200));
  const { n, elapsed } = run(seconds * 1000);
  return {
    mapping: work.mapping,
    messageType: `${first.header.messageCode}^${first.header.triggerEvent}`,
    bytes: Buffer.byteLength(work.text),
    records,
    msgPerSec: Math.round((n / elapsed) * 1000),
    seconds: Math.round(elapsed / 100) / 10,
  };
}
