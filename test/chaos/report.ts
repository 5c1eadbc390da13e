/**
 * The chaos report: each fault prints one JSON line on stdout as it finishes, and writeReport() writes every
 * fault's line (with pass/fail and the problems found) to test-output/chaos-report.json, plus a plain table on
 * stdout. A fault whose test threw before its line was made is recorded with the error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CHAOS_OUTPUT } from './cluster';
import type { FaultReport } from './verify';

interface Row extends Partial<FaultReport> { fault: string; passed: boolean; problems: string[]; seconds: number }

const rows: Row[] = [];
const suiteStarted = Date.now();

export function recordFault(row: Row): void {
  rows.push(row);
  const { fault, sent, acked, final, duplicates } = row;
  process.stdout.write(`${JSON.stringify({ fault, sent, acked, final, duplicates })}\n`);
}

export function writeReport(): void {
  fs.mkdirSync(CHAOS_OUTPUT, { recursive: true });
  const file = path.join(CHAOS_OUTPUT, 'chaos-report.json');
  const report = { generatedAt: new Date().toISOString(), suiteSeconds: Math.round((Date.now() - suiteStarted) / 1000), faults: rows };
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const cols = ['fault', 'passed', 'sent', 'acked', 'final', 'duplicates', 'resent', 'ar', 'seconds'] as const;
  const table = [cols.join('\t'), ...rows.map((r) => cols.map((c) => String(r[c] ?? '-')).join('\t'))].join('\n');
  process.stdout.write(`chaos report (${file}, ${report.suiteSeconds} s):\n${table}\n`);
}
