/**
 * Synthetic DFT^P03 messages for the bench (2.5.1 layout, same shape as the integration tests' dftMessage):
 * a unique MSH-10 per message, one of ~1000 synthetic patients, 1 or 2 FT1 lines (CG charges only, so every
 * accepted message ends as `processed` with its charges). No real patient data.
 */

export const BENCH_PATIENTS = 1000;

/** Small deterministic PRNG (mulberry32): the same seed gives the same patients and line counts. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MSH_HEAD = 'MSH|^~\\&|BENCHRX|PHARM01|RXBRIDGE|BILLING|20261125101500||DFT^P03^DFT_P03|';
const MSH_TAIL = '|P|2.5.1\rEVN|P03|20261125101500\rPID|1||';
const PID_TAIL = '^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|U\rPV1|1|O';

function ft1(index: number, txn: string): string {
  const f: string[] = new Array<string>(26).fill('');
  f[0] = 'FT1';
  f[1] = String(index);
  f[2] = txn;
  f[4] = '20261125';
  f[6] = 'CG';
  f[7] = '90471^Immunization admin^C4';
  f[10] = '1';
  f[11] = '25.00&USD';
  f[19] = 'Z23^Encounter for immunization^I10';
  f[20] = '1234567893^PHARMACIST^PAT^^^^^^NPI';
  f[25] = '90471^Immunization admin^C4';
  return f.join('|');
}

/** The message text (segments separated by CR, no MLLP framing). `lines` is 1 or 2. */
export function dftP03(controlId: string, patientId: string, lines: number): string {
  let text = MSH_HEAD + controlId + MSH_TAIL + patientId + PID_TAIL;
  for (let i = 1; i <= lines; i++) text += '\r' + ft1(i, `${controlId}-${i}`);
  return text;
}
