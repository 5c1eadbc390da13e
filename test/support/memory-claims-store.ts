/**
 * An in-memory claims store (src/billing/ports.ts ClaimsStore) for unit tests of the claim workflows: the same
 * row semantics as src/store/claims.ts (line states, sent statuses, control-number counters), transactions that
 * run one at a time (the claims lock) and roll back every change when the workflow throws.
 */
import { EngineError } from '../../src/core/errors';
import type { ChargeInput, CoverageInput, PatientInput } from '../../src/billing/claims/inputs';
import { SENT_STATUSES, UNSENT_STATUSES, type ClaimEvent } from '../../src/billing/claims/lifecycle';
import { NO_CODE_EDITS } from '../../src/billing/codesets/edits-lookup';
import { buildCodeSetLookup, type CodeSets } from '../../src/billing/codesets/lookup';
import type { ImportedProvider } from '../../src/billing/providers/directory';
import type { FeeRow } from '../../src/billing/claims/pricing';
import { billedServiceOf, serviceKey } from '../../src/billing/scrub/billed-service';
import {
  encounterKey, type ClaimChanges, type ClaimsReads, type ClaimsPort as ClaimsStore, type ClaimsUnitOfWork, type LineState, type NewBatch,
  type StagedFile, type StoredClaim, type Outbox,
} from '../../src/billing/ports';

export interface MemoryLine {
  claimId: string;
  lineNumber: number;
  chargeId: string;
  state: LineState;
  code: string;
  modifiers: string[];
  units: string;
  serviceDate: string;
}

export interface MemoryBatch extends NewBatch {
  id: string;
}

interface State {
  claims: Map<string, StoredClaim>;
  lines: MemoryLine[];
  charges: Map<string, ChargeInput>;
  patients: PatientInput[];
  coverages: CoverageInput[];
  events: Array<ClaimEvent & { claimId: string }>;
  batches: MemoryBatch[];
  counters: Map<string, number>;
  nextClaimId: number;
}

const copy = <T>(v: T): T => structuredClone(v);

export class MemoryClaimsStore implements ClaimsStore {
  state: State = {
    claims: new Map(), lines: [], charges: new Map(), patients: [], coverages: [], events: [], batches: [],
    counters: new Map(), nextClaimId: 1,
  };
  /** What the code-set source answers (default: nothing imported). */
  codeSets: CodeSets = buildCodeSetLookup({ releases: [], loaded: {} });
  /** Imported providers by NPI (rxbridge providers import), as the store would return them. */
  providers = new Map<string, ImportedProvider>();
  /** The imported fee schedule (rxbridge prices import), every row. */
  feeRows: FeeRow[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  addCharge(c: ChargeInput): void {
    this.state.charges.set(c.id, copy(c));
  }

  addPatient(p: PatientInput, ...coverages: CoverageInput[]): void {
    this.state.patients.push(copy(p));
    this.state.coverages.push(...copy(coverages));
  }

  reverseCharge(id: string): void {
    this.state.charges.get(id)!.status = 'reversed';
  }

  /** Test-side changes of a stored claim (e.g. the status a 999 or an 835 would set). */
  setClaim(id: string, change: Partial<StoredClaim>): void {
    Object.assign(this.state.claims.get(id)!, change);
  }

  claimOf(chargeId: string, state: LineState = 'active'): StoredClaim | undefined {
    const line = this.state.lines.find((l) => l.chargeId === chargeId && l.state === state);
    return line ? this.state.claims.get(line.claimId) : undefined;
  }

  eventsOf(claimId: string): Array<ClaimEvent & { claimId: string }> {
    return this.state.events.filter((e) => e.claimId === claimId);
  }

  linesOf(claimId: string): MemoryLine[] {
    return this.state.lines.filter((l) => l.claimId === claimId).sort((a, b) => a.lineNumber - b.lineNumber);
  }

  transaction<T>(fn: (uow: ClaimsUnitOfWork) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const before = copy(this.state);
      try {
        return await fn(this.unitOfWork());
      } catch (err) {
        this.state = before;
        throw err;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  read<T>(fn: (reads: ClaimsReads) => Promise<T>): Promise<T> {
    return fn(this.reads());
  }

  private reads(): ClaimsReads {
    return {
      claimableCharges: async () => [...this.state.charges.values()]
        .filter((c) => (c.status === 'active' || c.status === 'held')
          && !this.state.lines.some((l) => l.chargeId === c.id && ['active', 'superseded', 'dropped'].includes(l.state)))
        .sort((a, b) => Number(a.id) - Number(b.id)).map(copy),
      providers: async () => new Map(this.providers),
      feeSchedule: async (codes) => copy(this.feeRows.filter((r) => codes.includes(r.code) || r.code === '*')),
      claimHistory: async (refs) => ({
        priorLines: (service) => (refs.includes(service.patientRef) ? this.state.lines.filter((l) => {
          const c = this.state.claims.get(l.claimId)!;
          const sent = c.claim.lines.find((x) => x.chargeId === l.chargeId);
          return l.state === 'active' && SENT_STATUSES.has(c.status) && c.frequency !== '8' && sent !== undefined
            && serviceKey(billedServiceOf(c.claim, sent)) === serviceKey(service);
        }).length : 0),
      }),
      parties: async (refs) => ({
        patients: copy(this.state.patients.filter((p) => refs.includes(p.patientRef))),
        coverages: copy(this.state.coverages.filter((c) => refs.includes(c.patientRef))),
      }),
      readyPayers: async (payerId) => [...new Set([...this.state.claims.values()]
        .filter((c) => c.status === 'ready' && (!payerId || c.payerId === payerId)).map((c) => c.payerId))].sort(),
      sentEncounters: async (refs) => {
        const out = new Map<string, string>();
        const billed = [...this.state.claims.values()].filter((c) => refs.includes(c.patientRef)
          && ((c.frequency !== '8' && SENT_STATUSES.has(c.status)) || (c.frequency === '7' && UNSENT_STATUSES.has(c.status))))
          .sort((a, b) => Number(b.id) - Number(a.id));
        for (const c of billed) {
          for (const l of this.state.lines.filter((x) => x.claimId === c.id && x.state === 'active')) {
            const key = encounterKey(c.patientRef, c.payerId, l.serviceDate);
            if (!out.has(key)) out.set(key, SENT_STATUSES.has(c.status) ? c.id : c.correctsClaimId!);
          }
        }
        return out;
      },
    };
  }

  private claim(id: string): StoredClaim {
    const c = this.state.claims.get(id);
    if (!c) throw new EngineError('NOT_FOUND', `claim ${id} not found`);
    return c;
  }

  private unitOfWork(): ClaimsUnitOfWork {
    const s = () => this.state;
    const byId = (a: StoredClaim, b: StoredClaim) => Number(a.id) - Number(b.id);
    return {
      ...this.reads(),
      claim: async (id) => copy(this.claim(id)),
      claimsWithReversedCharges: async () => [...s().claims.values()].filter((c) => s().lines.some((l) => l.claimId === c.id
        && l.state === 'active' && s().charges.get(l.chargeId)?.status === 'reversed')).sort(byId).map(copy),
      lineCharges: async (claimId, state) => this.linesOf(claimId).filter((l) => l.state === state)
        .map((l) => ({ chargeId: l.chargeId, chargeStatus: s().charges.get(l.chargeId)!.status })),
      recordPrices: async (prices) => {
        for (const p of prices) {
          const c = s().charges.get(p.chargeId);
          if (c?.unpriced) {
            c.chargeAmount = p.amount;
            delete c.unpriced;
          }
        }
      },
      chargesById: async (ids) => new Map(ids.flatMap((id) => (s().charges.has(id) ? [[id, copy(s().charges.get(id)!)] as const] : []))),
      setLineState: async (claimId, from, to, chargeIds) => {
        for (const l of s().lines) {
          if (l.claimId === claimId && l.state === from && (!chargeIds || chargeIds.includes(l.chargeId))) l.state = to;
        }
      },
      restoreSuperseded: async (claimId) => {
        for (const l of s().lines) {
          if (l.claimId === claimId && l.state === 'superseded') l.state = s().charges.get(l.chargeId)!.status === 'active' ? 'active' : 'dropped';
        }
      },
      followerOf: async (claimId) => [...s().claims.values()].find((c) => c.followsClaimId === claimId)?.id,
      unsentCorrectionOf: async (claimId) => [...s().claims.values()]
        .find((c) => c.correctsClaimId === claimId && UNSENT_STATUSES.has(c.status))?.id,
      correctionsAwaitingNumber: async () => [...s().claims.values()].filter((c) => c.status === 'held' && c.payerClaimNumber === null
        && c.correctsClaimId !== null && this.claim(c.correctsClaimId).payerClaimNumber !== null).sort(byId).map(copy),
      nextClaimIds: async (count) => Array.from({ length: count }, () => String(s().nextClaimId++)),
      insertClaim: async (c) => {
        const claim = c.claim;
        s().claims.set(claim.id, {
          id: claim.id, controlNumber: claim.controlNumber, status: c.status, frequency: claim.frequency,
          correctsClaimId: c.correctsClaimId, payerId: claim.payer.id, payerName: claim.payer.name,
          patientRef: claim.patient.patientRef, coverageId: c.coverageId,
          serviceDate: claim.lines.map((l) => l.serviceDate).sort()[0]!, payerClaimNumber: claim.payerClaimNumber ?? null,
          totalCharge: claim.totalCharge, claim: copy(claim), findings: copy(c.findings), overridden: false, batchId: null,
          edits: copy(c.edits ?? {}), ...(c.followsClaimId ? { followsClaimId: c.followsClaimId } : {}),
        });
        s().lines.push(...claim.lines.map((l) => ({
          claimId: claim.id, lineNumber: l.lineNumber, chargeId: l.chargeId, state: 'active' as const, code: l.code,
          modifiers: [...l.modifiers], units: l.units, serviceDate: l.serviceDate,
        })));
      },
      updateClaim: async (id, ch: ClaimChanges) => {
        const c = this.claim(id);
        if (ch.status !== undefined) c.status = ch.status;
        if (ch.claim !== undefined) {
          Object.assign(c, {
            claim: copy(ch.claim), payerId: ch.claim.payer.id, payerName: ch.claim.payer.name, totalCharge: ch.claim.totalCharge,
            payerClaimNumber: ch.claim.payerClaimNumber ?? null,
          });
          if (ch.edits !== undefined) {
            for (const l of ch.claim.lines) {
              const row = s().lines.find((r) => r.claimId === id && r.chargeId === l.chargeId && r.state === 'active');
              if (row) Object.assign(row, { modifiers: [...l.modifiers], units: l.units });
            }
          }
        }
        if (ch.coverageId !== undefined) c.coverageId = ch.coverageId;
        if (ch.findings !== undefined) c.findings = copy(ch.findings);
        if (ch.override !== undefined) c.overridden = ch.override !== null;
        if (ch.batchId !== undefined) c.batchId = ch.batchId;
        if (ch.edits !== undefined) c.edits = copy(ch.edits);
      },
      addEvent: async (claimId, e) => {
        s().events.push({ claimId, ...copy(e) });
      },
      codeSets: { load: async () => this.codeSets, loadEdits: async () => NO_CODE_EDITS },
      readyClaims: async (payerId) => [...s().claims.values()].filter((c) => c.status === 'ready' && c.payerId === payerId)
        .sort(byId).map(copy),
      nextControlNumbers: async (senderId) => {
        const n = (s().counters.get(senderId) ?? 0) + 1;
        s().counters.set(senderId, n);
        return { interchange: n, group: n, transactionSet: n };
      },
      insertBatch: async (b) => {
        const id = String(s().batches.length + 1);
        s().batches.push({ id, ...copy(b) });
        return id;
      },
    };
  }
}

/** An outbox in memory: staged files become `files` on commit. */
export class MemoryOutbox implements Outbox {
  files = new Map<string, string>();
  staged = new Set<string>();
  fail = false;

  async stage(fileName: string, text: string): Promise<StagedFile> {
    if (this.fail) throw new Error('disk full');
    this.staged.add(fileName);
    return {
      path: `/outbox/${fileName}`,
      commit: async () => {
        this.staged.delete(fileName);
        this.files.set(fileName, text);
      },
      abort: async () => {
        this.staged.delete(fileName);
      },
    };
  }
}
