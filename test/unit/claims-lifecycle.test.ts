/** The claim lifecycle (state machine), batchability, overrides, 835 outcomes, and CLM01 control numbers. */
import { EngineError } from '../../src/core/errors';
import { claimControlNumber, claimIdOf } from '../../src/billing/claims/control-number';
import {
  CLAIM_STATUSES, canTransition, checkOverride, impliedPath, isBatchable, statusAfterScrub, statusForOutcome, transition,
  type ClaimStatus,
} from '../../src/billing/claims/lifecycle';
import type { ScrubFinding } from '../../src/billing/model';

const error: ScrubFinding = { ruleId: 'npi-check-digit', severity: 'error', scope: 'claim', message: 'NPI fails' };
const warning: ScrubFinding = { ruleId: 'provider-named', severity: 'warning', scope: 'line', lineNumber: 1, message: 'x' };

function conflict(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected an EngineError');
}

describe('claim lifecycle', () => {
  it('allows the documented path and the side roads, nothing else', () => {
    const allowed: Array<[ClaimStatus, ClaimStatus]> = [
      ['draft', 'held'], ['draft', 'ready'], ['held', 'ready'], ['ready', 'batched'], ['batched', 'submitted'],
      ['submitted', 'accepted'], ['submitted', 'rejected'], ['accepted', 'paid'], ['accepted', 'partial'], ['accepted', 'denied'],
      ['paid', 'closed'], ['partial', 'closed'], ['denied', 'closed'], ['rejected', 'draft'], ['held', 'draft'], ['ready', 'draft'],
      ['draft', 'voided'], ['held', 'voided'], ['ready', 'voided'], ['rejected', 'voided'], ['denied', 'paid'], ['partial', 'paid'],
      ['batched', 'rejected'], ['ready', 'held'],
    ];
    for (const [from, to] of allowed) expect([from, to, canTransition(from, to)]).toEqual([from, to, true]);
    const refused: Array<[ClaimStatus, ClaimStatus]> = [
      ['draft', 'batched'], ['held', 'batched'], ['batched', 'voided'], ['submitted', 'voided'], ['paid', 'voided'],
      ['voided', 'draft'], ['closed', 'paid'], ['accepted', 'rejected'], ['rejected', 'ready'], ['batched', 'paid'],
    ];
    for (const [from, to] of refused) expect([from, to, canTransition(from, to)]).toEqual([from, to, false]);
    for (const s of CLAIM_STATUSES) expect(canTransition('voided', s) || canTransition('closed', s)).toBe(false);
  });

  it('records who, from, to and why; refuses the rest with CONFLICT', () => {
    expect(transition('held', 'ready', 'override', 'api-token', 'payer confirmed by phone')).toEqual({
      action: 'override', from: 'held', to: 'ready', actor: 'api-token', reason: 'payer confirmed by phone',
    });
    const err = conflict(() => transition('paid', 'voided', 'void', 'api-token'));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('a paid claim cannot become voided');
  });

  it('finds the steps an acknowledgment or 835 implies, never through editing statuses', () => {
    expect(impliedPath('batched', 'paid')).toEqual(['submitted', 'accepted', 'paid']);
    expect(impliedPath('submitted', 'denied')).toEqual(['accepted', 'denied']);
    expect(impliedPath('batched', 'rejected')).toEqual(['rejected']);
    expect(impliedPath('accepted', 'accepted')).toEqual([]);
    expect(impliedPath('denied', 'paid')).toEqual(['paid']);
    expect(impliedPath('rejected', 'paid')).toBeUndefined(); // would need draft → ready → batched: an operator's job
    expect(impliedPath('voided', 'paid')).toBeUndefined();
    expect(impliedPath('ready', 'submitted')).toBeUndefined();
  });

  it('scrub findings decide held or ready; a held claim is batched only once overridden', () => {
    expect(statusAfterScrub([warning])).toBe('ready');
    expect(statusAfterScrub([warning, error])).toBe('held');
    expect(isBatchable({ status: 'ready', findings: [warning], overridden: false })).toBe(true);
    expect(isBatchable({ status: 'ready', findings: [error], overridden: false })).toBe(false);
    expect(isBatchable({ status: 'ready', findings: [error], overridden: true })).toBe(true);
    expect(isBatchable({ status: 'held', findings: [], overridden: true })).toBe(false);
  });

  it('an override needs a held claim and a reason', () => {
    expect(() => checkOverride('held', 'payer accepts this code per contract')).not.toThrow();
    expect(conflict(() => checkOverride('ready', 'because')).code).toBe('CONFLICT');
    expect(conflict(() => checkOverride('held', '  ')).code).toBe('BAD_REQUEST');
  });

  it('maps 835 outcomes to statuses; reversals and foreign claims change none', () => {
    expect(statusForOutcome('paid')).toBe('paid');
    expect(statusForOutcome('patient-responsibility')).toBe('paid');
    expect(statusForOutcome('partial')).toBe('partial');
    expect(statusForOutcome('denied')).toBe('denied');
    expect(statusForOutcome('reversal')).toBeUndefined();
    expect(statusForOutcome('not-ours')).toBeUndefined();
    expect(statusForOutcome('predetermination')).toBeUndefined();
  });
});

describe('claim control numbers (CLM01)', () => {
  it('is RX + base-36 id + a check character, at most 20 characters, and reads back', () => {
    expect(claimControlNumber('1')).toMatch(/^RX1[0-9A-Z]$/);
    const biggest = claimControlNumber('9223372036854775807');
    expect(biggest.length).toBeLessThanOrEqual(20);
    for (const id of ['1', '35', '36', '1295', '46656', '123456789', '9223372036854775807']) {
      expect(claimIdOf(claimControlNumber(id))).toBe(id);
    }
    const seen = new Set(Array.from({ length: 5000 }, (_, i) => claimControlNumber(String(i + 1))));
    expect(seen.size).toBe(5000);
  });

  it('catches a mistyped character or two swapped neighbours', () => {
    const cn = claimControlNumber('123456789');
    const body = cn.slice(2, -1);
    for (let i = 0; i < body.length; i++) {
      const wrong = body[i] === 'A' ? 'B' : 'A';
      expect(claimIdOf(`RX${body.slice(0, i)}${wrong}${body.slice(i + 1)}${cn.slice(-1)}`)).toBeUndefined();
    }
    for (let i = 0; i + 1 < body.length; i++) {
      if (body[i] === body[i + 1]) continue;
      const swapped = body.slice(0, i) + body[i + 1] + body[i] + body.slice(i + 2);
      expect(claimIdOf(`RX${swapped}${cn.slice(-1)}`)).toBeUndefined();
    }
    expect(claimIdOf('CLM0001')).toBeUndefined();
    expect(() => claimControlNumber('0')).toThrow(RangeError);
  });
});
