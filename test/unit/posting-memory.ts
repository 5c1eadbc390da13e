/**
 * An in-memory PostingPort (src/billing/remittance/posting.ts) and AcknowledgmentPort (acknowledging.ts) for the
 * unit tests: claims, payments,
 * events and PLB rows in arrays, a unit of work that rolls back on error (a snapshot restored), and the
 * lifecycle's transition check as the store does it. Synthetic data only.
 */
import { transition, type ClaimStatus } from '../../src/billing/claims/lifecycle';
import { sumAmounts } from '../../src/billing/claims/money';
import type { ProviderAdjustment } from '../../src/billing/model';
import type { AcknowledgmentPort, AcknowledgmentUnitOfWork } from '../../src/billing/remittance/acknowledging';
import type { ClaimSteps } from '../../src/billing/remittance/claim-steps';
import type { PayerRole } from '../../src/billing/remittance/payer-match';
import type {
  PaymentAmounts, PaymentRecord, PostingClaim, PostingPort, PostingUnitOfWork, RemittanceRecord, UnmatchedPaymentRow,
} from '../../src/billing/remittance/posting';

export interface MemoryClaim extends PostingClaim {
  paid: string;
  patientResponsibility: string;
  forwardedTo?: string;
  frequency: string;
}

export interface MemoryPayment {
  id: string;
  remittanceId: string;
  clpIndex: number;
  claimId: string | null;
  controlNumber: string;
  role: PayerRole | null;
  outcome: string;
  paid: string;
  patientResponsibility: string;
  payerClaimNumber?: string;
  lines: Array<{ lineNumber: number | null; outcome: string; paid: string }>;
  matched?: { paymentId: string; by: string };
}

interface State {
  claims: MemoryClaim[];
  remittances: Array<RemittanceRecord & { id: string }>;
  payments: MemoryPayment[];
  plb: Array<ProviderAdjustment & { remittanceId: string; claimId: string | null }>;
  events: Array<{ claimId: string; from: ClaimStatus; to: ClaimStatus; actor: string; reason: string }>;
}

export class MemoryPosting implements PostingUnitOfWork {
  state: State = { claims: [], remittances: [], payments: [], plb: [], events: [] };
  private seq = 0;

  addClaim(c: Omit<MemoryClaim, 'paid' | 'patientResponsibility' | 'frequency'> & { frequency?: string }): MemoryClaim {
    const claim: MemoryClaim = { paid: '0.00', patientResponsibility: '0.00', frequency: '1', ...c };
    this.state.claims.push(claim);
    return claim;
  }

  claim(id: string): MemoryClaim {
    const c = this.state.claims.find((x) => x.id === id);
    if (!c) throw new Error(`no claim ${id}`);
    return c;
  }

  async run<T>(work: (port: PostingPort) => Promise<T>): Promise<T> {
    const snapshot = structuredClone(this.state);
    try {
      return await work(this.port());
    } catch (err) {
      this.state = snapshot;
      throw err;
    }
  }

  private nextId(): string {
    return String(++this.seq);
  }

  private port(): PostingPort {
    const st = () => this.state;
    const copy = (c: MemoryClaim): PostingClaim => structuredClone(c);
    return {
      findRemittance: async (payerId, trace) =>
        st().remittances.find((r) => (r.remittance.payerId ?? '') === payerId && r.remittance.traceNumber === trace)?.id,
      claimsByControlNumber: async (numbers) => st().claims.filter((c) => numbers.includes(c.controlNumber)).map(copy),
      claimById: async (id) => {
        const c = st().claims.find((x) => x.id === id);
        return c ? copy(c) : undefined;
      },
      claimIdsByReference: async (refs) => {
        const out = new Map<string, string>();
        for (const c of st().claims) {
          if (c.frequency === '8') continue;
          if (refs.includes(c.controlNumber) && !out.has(c.controlNumber)) out.set(c.controlNumber, c.id);
          if (c.payerClaimNumber && refs.includes(c.payerClaimNumber) && !out.has(c.payerClaimNumber)) out.set(c.payerClaimNumber, c.id);
        }
        return out;
      },
      insertRemittance: async (r) => {
        const id = this.nextId();
        st().remittances.push({ ...structuredClone(r), id });
        return id;
      },
      insertProviderAdjustment: async (remittanceId, p, claimId) => {
        st().plb.push({ ...p, remittanceId, claimId });
      },
      insertPayment: async (p: PaymentRecord) => {
        const id = this.nextId();
        if (p.claimId === null) {
          st().payments.push({
            id, remittanceId: p.remittanceId, clpIndex: p.clpIndex, claimId: null, controlNumber: p.clp.controlNumber, role: null,
            outcome: 'unmatched', paid: p.clp.paid, patientResponsibility: p.clp.patientResponsibility,
            ...(p.clp.payerClaimNumber ? { payerClaimNumber: p.clp.payerClaimNumber } : {}),
            lines: p.clp.services.map((s) => ({ lineNumber: null, outcome: 'unmatched', paid: s.paid })),
          });
        } else {
          const r = p.reconciliation;
          st().payments.push({
            id, remittanceId: p.remittanceId, clpIndex: p.clpIndex, claimId: p.claimId, controlNumber: r.controlNumber, role: p.role,
            outcome: r.outcome, paid: r.paid, patientResponsibility: r.patientResponsibility,
            ...(r.payerClaimNumber ? { payerClaimNumber: r.payerClaimNumber } : {}),
            lines: r.lines.map((l) => ({ lineNumber: l.lineNumber, outcome: l.outcome, paid: l.paid })),
          });
        }
        return id;
      },
      paymentsOf: async (claimId): Promise<PaymentAmounts[]> => st().payments.filter((p) => p.claimId === claimId)
        .map((p) => ({ role: p.role!, paid: p.paid, patientResponsibility: p.patientResponsibility })),
      updateClaimMoney: async (claimId, set) => {
        const c = this.claim(claimId);
        c.paid = set.paid;
        c.patientResponsibility = set.patientResponsibility;
        if (set.payerClaimNumber !== undefined) c.payerClaimNumber = set.payerClaimNumber;
        if (set.forwardedTo !== undefined) c.forwardedTo = set.forwardedTo;
      },
      ...this.steps(),
      unmatchedPayment: async (paymentId): Promise<UnmatchedPaymentRow | undefined> => {
        const p = st().payments.find((x) => x.id === paymentId && x.claimId === null);
        if (!p) return undefined;
        const r = st().remittances.find((x) => x.id === p.remittanceId)!;
        return {
          id: p.id, remittanceId: p.remittanceId, controlNumber: p.controlNumber, clpIndex: p.clpIndex,
          traceNumber: r.remittance.traceNumber, payerId: r.remittance.payerId ?? '', x12: r.x12,
          ...(p.matched ? { matchedPaymentId: p.matched.paymentId } : {}),
        };
      },
      markMatched: async (unmatchedId, paymentId, actor) => {
        st().payments.find((x) => x.id === unmatchedId)!.matched = { paymentId, by: actor };
      },
    };
  }

  /** Claim steps as the store records them (the lifecycle refuses what it does not allow). */
  steps(): ClaimSteps {
    return {
      moveClaim: async (claimId, from, to, action, actor, reason) => {
        const c = this.claim(claimId);
        if (c.status !== from) throw new Error(`claim ${claimId} is ${c.status}, not ${from}`);
        transition(from, to, action, actor, reason);
        c.status = to;
        this.state.events.push({ claimId, from, to, actor, reason });
      },
      noteClaim: async (claimId, status, _action, actor, reason) => {
        this.state.events.push({ claimId, from: status, to: status, actor, reason });
      },
    };
  }

  /** An acknowledgment unit of work over the same claims; `batches` maps a GS06 to its batch and claim ids. */
  acknowledgments(batches: Array<{ id: string; groupControl: string; transactionSetControl: number; claimIds: string[] }>): AcknowledgmentUnitOfWork {
    const port = (): AcknowledgmentPort => ({
      ...this.steps(),
      batchByGroupControl: async (gs06) => {
        const b = batches.filter((x) => x.groupControl === gs06).at(-1);
        return b ? { id: b.id, transactionSetControl: b.transactionSetControl } : undefined;
      },
      batchedClaimIds: async (batchId) => (batches.find((b) => b.id === batchId)?.claimIds ?? [])
        .filter((id) => this.claim(id).status === 'batched'),
      claimByControlNumber: async (cn) => {
        const c = this.state.claims.find((x) => x.controlNumber === cn);
        return c ? { id: c.id, status: c.status, payerId: c.payerId } : undefined;
      },
      setPayerClaimNumber: async (claimId, number) => {
        this.claim(claimId).payerClaimNumber = number;
      },
    });
    return { run: (work) => this.run(() => work(port())) };
  }

  /** Σ paid of the unmatched payments nobody matched yet. */
  unmatchedPaid(): string {
    return sumAmounts(this.state.payments.filter((p) => p.claimId === null && !p.matched).map((p) => p.paid));
  }
}
