/**
 * The scrub registry: every module in src/billing/scrub/rules is listed (no rule forgotten), ids match file
 * names, scrubClaim runs them all, isHeld holds a claim with any error, and no message carries patient data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isHeld, SCRUB_RULES, scrubClaim } from '../../src/billing/scrub';
import type { ScrubRule } from '../../src/billing/scrub/types';
import type { ScrubFinding } from '../../src/billing/model';
import { buildClaim, buildMedicareClaim, context, fakeCodeSets, fakeHistory, line, withLine } from './scrub-fixtures';

const RULES_DIR = path.join(__dirname, '../../src/billing/scrub/rules');
const ruleFiles = fs.readdirSync(RULES_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();

describe('the rule registry', () => {
  it('lists every file in rules/ exactly once', () => {
    const ids = SCRUB_RULES.map((r) => r.id);
    expect([...ids].sort()).toEqual(ruleFiles);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(ruleFiles)('rules/%s.ts exports a rule with that id and a full contract', (file) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(RULES_DIR, file)) as { rule: ScrubRule };
    expect(mod.rule.id).toBe(file);
    expect(['error', 'warning', 'info']).toContain(mod.rule.severity);
    expect(['claim', 'line']).toContain(mod.rule.scope);
    expect(mod.rule.description.length).toBeGreaterThan(10);
    expect(typeof mod.rule.check).toBe('function');
    expect(SCRUB_RULES).toContain(mod.rule);
  });
});

describe('scrubClaim and isHeld', () => {
  it('finds nothing on the clean claims, which are not held', () => {
    for (const claim of [buildClaim(), buildMedicareClaim()]) {
      const findings = scrubClaim(claim, context());
      expect(findings).toEqual([]);
      expect(isHeld(findings)).toBe(false);
    }
  });

  it('holds a claim with any error-level finding', () => {
    const findings = scrubClaim(buildClaim({ controlNumber: 'X'.repeat(21) }), context());
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['control-number', 'error']]);
    expect(isHeld(findings)).toBe(true);
  });

  it('does not hold a claim with only warnings and info notes', () => {
    // A pharmacy that requires no code set (billing.yaml requiredCodeSets.default: []) and has none loaded.
    const ctx = context({ codeSets: fakeCodeSets({}, []), requiredCodeSets: { default: [], payers: {} } });
    const findings = scrubClaim(buildClaim({ lines: [...buildClaim().lines, line('99607', { diagnosisPointers: [2] })] }), ctx);
    expect(findings.map((f) => f.severity).sort()).toEqual(['info', 'info', 'info', 'warning']);
    expect(isHeld(findings)).toBe(false);
  });

  it('isHeld looks at severity only', () => {
    const f = (severity: ScrubFinding['severity']): ScrubFinding => ({ ruleId: 'x', severity, scope: 'claim', message: 'm' });
    expect(isHeld([])).toBe(false);
    expect(isHeld([f('info'), f('warning')])).toBe(false);
    expect(isHeld([f('info'), f('error')])).toBe(true);
  });

  it('turns a rule that throws into an error finding that holds the claim', () => {
    const broken: ScrubRule = {
      id: 'broken', severity: 'warning', scope: 'claim', description: 'throws on purpose',
      check() { throw new TypeError('boom'); },
    };
    const findings = scrubClaim(buildClaim(), context(), [broken, ...SCRUB_RULES]);
    expect(findings).toEqual([{
      ruleId: 'broken', severity: 'error', scope: 'claim',
      message: 'rule broken could not check this claim (TypeError): the claim is held until the problem is fixed',
    }]);
    expect(isHeld(findings)).toBe(true);
  });

  it('never puts patient or subscriber names, dates of birth or member ids in messages', () => {
    const base = buildClaim();
    const claim = buildClaim({
      ...base,
      controlNumber: '',
      subscriber: { ...base.subscriber, familyName: 'ZEBRAFAMILY', givenName: 'QUIXOTE', memberId: 'MEMBER-7Q7Q7Q', birthDate: '1911-11-11', sex: 'Q' },
      patient: { ...base.patient, familyName: 'ZEBRAFAMILY', givenName: 'QUIXOTE', birthDate: '2025-01-20', sex: 'Q', relationship: '19' },
      diagnoses: ['E11', 'E11', 'bad'],
      lines: [
        line('90472', { units: '0', serviceDate: '2025-03-01', diagnosisPointers: [7], modifiers: ['QW', 'q'] }),
        line('G0008', { serviceDate: '2025-01-10', ndc: '1234' }),
        line('99607', { serviceDate: '2023-01-10', units: '9' }),
      ],
      totalCharge: '1.00',
    });
    const messages = scrubClaim(claim, context({ history: fakeHistory([['P1001', 'G0008', '2025-01-10']]) })).map((f) => f.message);
    expect(messages.length).toBeGreaterThan(15);
    for (const message of messages) {
      expect(message).not.toMatch(/ZEBRAFAMILY|QUIXOTE|7Q7Q7Q|1911|2025-01-20/);
    }
  });

  it('reports line findings with their line numbers', () => {
    const findings = scrubClaim(withLine(buildClaim(), 3, { modifiers: [] }), context());
    expect(findings).toEqual([{
      ruleId: 'clia-waived-qw', severity: 'error', scope: 'line', lineNumber: 3, message: '83036 is a CLIA-waived test: add modifier QW',
    }]);
  });
});
