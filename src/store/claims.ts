/**
 * The claims rows (docs/billing.md, docs/architecture.md "Billing"): the Postgres implementation of the claims store
 * port (src/billing/ports.ts ClaimsPort: a unit of work is one transaction holding the claims lock) and the
 * read-only views the API shows (ClaimRows: list, detail, batches). The workflows that decide what to write are
 * src/billing/workflows; nothing here decides.
 *
 * Every operation that changes claims first takes one transaction-scoped advisory lock, so builds, batches,
 * remittances and operator actions never interleave (they are few and short; the charge feed never waits on
 * them). Every status change writes a claim_events row in the same transaction (src/billing/claims/lifecycle.ts
 * refuses the transitions the lifecycle does not allow, with CONFLICT).
 *
 * Control numbers: a batch takes ISA13, GS06 and ST02 from its sender's x12_counters row with `update …
 * returning` inside the batch transaction: a batch that fails rolls its numbers back with it, and a batch that
 * exists has numbers no other batch has (claim_batches is unique on sender + ISA13 as well).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { normalizeDecimal } from '../core/decimal';
import { EngineError } from '../core/errors';
import type { LiveLine } from '../billing/claims/corrections';
import type { ChargeInput, CoverageInput, PatientInput } from '../billing/claims/inputs';
import {
  CLAIM_STATUSES,
  SENT_STATUSES,
  UNSENT_STATUSES,
  transition,
  type ClaimAction,
  type ClaimEvent,
  type ClaimStatus,
} from '../billing/claims/lifecycle';
import type { Claim, ControlNumbers } from '../billing/model';
import {
  encounterKey,
  type ClaimChanges,
  type ClaimsReads,
  type ClaimsPort,
  type ClaimsUnitOfWork,
  type LineState,
  type NewBatch,
  type NewClaim,
  type StoredClaim,
} from '../billing/ports';
import { billedServiceOf, serviceKey } from '../billing/scrub/billed-service';
import type { ClaimHistory } from '../billing/scrub/types';
import type { ClaimFilter, ClaimSummary } from '../billing/workflows/types';
import { claimAcknowledgments } from './claims-acknowledgments';
import { loadCodeEditLookup } from './code-edits';
import { loadCodeSetLookup } from './codesets';
import { loadFeeRows } from './fee-schedules';
import { loadProvidersForCharges } from './providers';
import { ta1Meaning, transfersOf } from './clearinghouse-views';
import { queueTransfer } from './transfer-queue';
import { nextRowIds } from './sequences';
import type { ChargeRow, ClaimRow, Database } from './types';

type Trx = Transaction<Database>;
type Db = Kysely<Database> | Trx;

/** One lock for every claim-changing operation (see the module comment). */
const CLAIMS_LOCK = 0x52584243; // "RXBC"

export async function lockClaims(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CLAIMS_LOCK})`.execute(trx);
}

export async function addClaimEvent(db: Db, claimId: string, e: ClaimEvent): Promise<void> {
  await db
    .insertInto('claim_events')
    .values({
      claim_id: claimId,
      actor: e.actor,
      action: e.action,
      from_status: e.from,
      to_status: e.to,
      reason: e.reason ?? null,
    })
    .execute();
}

/** Moves a claim along the lifecycle (CONFLICT when not allowed) and records the event (used by remittance posting). */
export async function moveClaim(
  trx: Trx,
  claimId: string,
  from: ClaimStatus,
  to: ClaimStatus,
  action: ClaimAction,
  actor: string,
  reason?: string,
  extra: Partial<Record<'submitted_at' | 'adjudicated_at', unknown>> = {},
): Promise<void> {
  const event = transition(from, to, action, actor, reason);
  await trx
    .updateTable('claims')
    .set({ status: to, updated_at: sql`now()`, ...(extra as object) })
    .where('id', '=', claimId)
    .execute();
  await addClaimEvent(trx, claimId, event);
}

/** An event that records something without a status change (from = to). */
export async function noteClaim(
  db: Db,
  claimId: string,
  status: ClaimStatus,
  action: ClaimAction,
  actor: string,
  reason: string,
): Promise<void> {
  await addClaimEvent(db, claimId, { action, from: status, to: status, actor, reason });
}

/** The claims store port on Postgres: a unit of work is one transaction holding the claims lock. */
export class ClaimRepository implements ClaimsPort {
  constructor(private readonly db: Kysely<Database>) {}

  transaction<T>(fn: (uow: ClaimsUnitOfWork) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      return fn(unitOfWork(trx));
    });
  }

  read<T>(fn: (reads: ClaimsReads) => Promise<T>): Promise<T> {
    return fn(reads(this.db));
  }
}

function reads(db: Db): ClaimsReads {
  return {
    claimableCharges: () => loadClaimableCharges(db),
    parties: (refs) => loadParties(db, refs),
    providers: (charges) => loadProvidersForCharges(db, charges),
    feeSchedule: (codes) => loadFeeRows(db, codes),
    claimHistory: (refs) => claimHistory(db, refs),
    async readyPayers(payerId) {
      let q = db.selectFrom('claims').select('payer_id').distinct().where('status', '=', 'ready').orderBy('payer_id');
      if (payerId) q = q.where('payer_id', '=', payerId);
      return (await q.execute()).map((r) => r.payer_id);
    },
    async sentEncounters(patientRefs) {
      const out = new Map<string, string>();
      if (patientRefs.length === 0) return out;
      const rows = await db
        .selectFrom('claims as c')
        .innerJoin('claim_lines as l', 'l.claim_id', 'c.id')
        .select(['c.id', 'c.corrects_claim_id', 'c.status', 'c.patient_ref', 'c.payer_id', 'l.service_date'])
        .where('c.patient_ref', 'in', [...patientRefs])
        .where('l.state', '=', 'active')
        .where(({ and, or, eb }) =>
          or([
            and([eb('c.frequency', '!=', '8'), eb('c.status', 'in', [...SENT_STATUSES])]),
            and([eb('c.frequency', '=', '7'), eb('c.status', 'in', [...UNSENT_STATUSES])]),
          ]),
        )
        .orderBy('c.id', 'desc')
        .execute();
      for (const r of rows) {
        const key = encounterKey(r.patient_ref, r.payer_id, r.service_date);
        const sent = SENT_STATUSES.has(r.status);
        if (!out.has(key)) out.set(key, String(sent ? r.id : r.corrects_claim_id));
      }
      return out;
    },
  };
}

/** The claims unit of work over a transaction that already holds the claims lock (also used by remittance posting). */
export function unitOfWork(trx: Trx): ClaimsUnitOfWork {
  return {
    ...reads(trx),
    claim: async (id) => storedOf(await claimRow(trx, id)),
    async claimsWithReversedCharges() {
      const rows = await trx
        .selectFrom('claims as c')
        .selectAll('c')
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('claim_lines as l')
              .innerJoin('charges as ch', 'ch.id', 'l.charge_id')
              .select('l.id')
              .whereRef('l.claim_id', '=', 'c.id')
              .where('l.state', '=', 'active')
              .where('ch.status', '=', 'reversed'),
          ),
        )
        .orderBy('c.id')
        .forUpdate()
        .execute();
      return rows.map(storedOf);
    },
    lineCharges: (claimId, state) => lineCharges(trx, claimId, state),
    async recordPrices(prices) {
      for (const p of prices) {
        await trx
          .updateTable('charges')
          .set({ charge_amount: p.amount, priced_by: p.pricedBy })
          .where('id', '=', p.chargeId)
          .where('unpriced', '=', true)
          .where('priced_by', 'is', null)
          .execute();
      }
    },
    chargesById: (ids) => loadChargesById(trx, ids),
    async setLineState(claimId, from, to, chargeIds) {
      if (chargeIds && chargeIds.length === 0) return;
      let q = trx.updateTable('claim_lines').set({ state: to }).where('claim_id', '=', claimId).where('state', '=', from);
      if (chargeIds) q = q.where('charge_id', 'in', [...chargeIds]);
      await q.execute();
    },
    async restoreSuperseded(claimId) {
      await sql`
        update claim_lines l set state = case when ch.status = 'active' then 'active' else 'dropped' end
          from charges ch
         where ch.id = l.charge_id and l.claim_id = ${claimId} and l.state = 'superseded'`.execute(trx);
    },
    async followerOf(claimId) {
      const row = await trx.selectFrom('claims').select('id').where('follows_claim_id', '=', claimId).executeTakeFirst();
      return row ? String(row.id) : undefined;
    },
    async unsentCorrectionOf(claimId) {
      const row = await trx
        .selectFrom('claims')
        .select('id')
        .where('corrects_claim_id', '=', claimId)
        .where('status', 'in', [...UNSENT_STATUSES])
        .executeTakeFirst();
      return row ? String(row.id) : undefined;
    },
    async correctionsAwaitingNumber() {
      const rows = await trx
        .selectFrom('claims as c')
        .innerJoin('claims as o', 'o.id', 'c.corrects_claim_id')
        .selectAll('c')
        .where('c.status', '=', 'held')
        .where('c.payer_claim_number', 'is', null)
        .where('o.payer_claim_number', 'is not', null)
        .orderBy('c.id')
        .execute();
      return rows.map(storedOf);
    },
    nextClaimIds: (count) => nextRowIds(trx, 'claims', count),
    insertClaim: (c) => insertClaim(trx, c),
    updateClaim: (id, changes) => updateClaim(trx, id, changes),
    addEvent: (claimId, e) => addClaimEvent(trx, claimId, e),
    codeSets: {
      load: (request, dates) => loadCodeSetLookup(trx, request, dates),
      loadEdits: (request, dates) => loadCodeEditLookup(trx, request, dates),
    },
    async readyClaims(payerId) {
      const rows = await trx
        .selectFrom('claims')
        .selectAll()
        .where('status', '=', 'ready')
        .where('payer_id', '=', payerId)
        .orderBy('id')
        .forUpdate()
        .execute();
      return rows.map(storedOf);
    },
    nextControlNumbers: (senderId) => nextControlNumbers(trx, senderId),
    async insertBatch(b: NewBatch) {
      const inserted = await trx
        .insertInto('claim_batches')
        .values({
          payer_id: b.payerId,
          sender_id: b.senderId,
          interchange_control: b.control.interchange,
          group_control: b.control.group,
          transaction_set_control: b.control.transactionSet,
          usage: b.usage,
          claim_count: b.claimCount,
          total_charge: b.totalCharge,
          file_name: b.fileName,
          x12: b.x12,
          actor: b.actor,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const batchId = String(inserted.id);
      if (b.upload) await queueTransfer(trx, { batchId }, b.upload, b.x12);
      return batchId;
    },
  };
}

/** The read-only views of claims and batches (GET /api/claims, /api/claims/:id, /api/claims/batches). */
export class ClaimRows {
  constructor(private readonly db: Kysely<Database>) {}

  async list(f: ClaimFilter): Promise<ClaimSummary[]> {
    return (await this.filtered(f).selectAll().orderBy('id', 'desc').limit(f.limit).execute()).map(summaryOf);
  }

  /** The list rows of GET /api/claims: each summary with its payer's name, date of service and patient reference. */
  async listRows(f: ClaimFilter): Promise<Array<ClaimSummary & { payerName: string; serviceDate: string; patientRef: string }>> {
    const rows = await this.filtered(f).selectAll().orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map((r) => ({ ...summaryOf(r), payerName: r.payer_name, serviceDate: r.service_date, patientRef: r.patient_ref }));
  }

  /** Count and total charge per status of every claim the filter matches (paging aside), statuses in lifecycle order. */
  async statusTotals(f: Omit<ClaimFilter, 'before' | 'limit'>): Promise<Array<{ status: ClaimStatus; claims: number; amount: string }>> {
    const rows = await this.filtered({ ...f, limit: 0 })
      .select(['status', sql<string>`count(*)::text`.as('claims'), sql<string>`coalesce(sum(total_charge), 0)::text`.as('amount')])
      .groupBy('status')
      .execute();
    return CLAIM_STATUSES.flatMap((status) => {
      const r = rows.find((x) => x.status === status);
      return r ? [{ status, claims: Number(r.claims), amount: normalizeDecimal(r.amount, 2) }] : [];
    });
  }

  /** The claims a list filter matches (status, payer, patient with the patients merged into it, batch, before). */
  private filtered(f: ClaimFilter) {
    let q = this.db.selectFrom('claims');
    if (f.status) q = q.where('status', '=', f.status);
    if (f.payer) q = q.where('payer_id', '=', f.payer);
    // A patient's claims include those of the patients merged into it (sent under their ids; docs/billing.md).
    if (f.patient) {
      const patient = f.patient;
      q = q.where((eb) =>
        eb.or([
          eb('patient_ref', '=', patient),
          eb('patient_ref', 'in', eb.selectFrom('patients').select('patient_ref').where('merged_into', '=', patient)),
        ]),
      );
    }
    if (f.batch) q = q.where('batch_id', '=', f.batch);
    if (f.before) q = q.where('id', '<', f.before);
    return q;
  }

  /** A claim with its lines, findings, history, payments, corrections and batch; undefined when unknown. */
  async get(id: string) {
    const row = await this.db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const [lines, events, payments, corrections, batch, acknowledgments] = await Promise.all([
      this.db
        .selectFrom('claim_lines as l')
        .leftJoin('charges as ch', 'ch.id', 'l.charge_id')
        .selectAll('l')
        .select('ch.message_id')
        .where('l.claim_id', '=', id)
        .orderBy('l.line_number')
        .execute(),
      this.db
        .selectFrom('claim_events')
        .select(['at', 'actor', 'action', 'from_status', 'to_status', 'reason'])
        .where('claim_id', '=', id)
        .orderBy('id')
        .execute(),
      claimPayments(this.db, id),
      this.db
        .selectFrom('claims')
        .select(['id', 'control_number', 'frequency', 'status'])
        .where('corrects_claim_id', '=', id)
        .orderBy('id')
        .execute(),
      row.batch_id
        ? this.db
            .selectFrom('claim_batches')
            .select(['id', 'file_name', 'interchange_control', 'created_at'])
            .where('id', '=', row.batch_id)
            .executeTakeFirst()
        : Promise.resolve(undefined),
      claimAcknowledgments(this.db, id),
    ]);
    const chain = await payerChain(this.db, row);
    const followedBy = chain.find((c) => c.follows_claim_id !== null && String(c.follows_claim_id) === String(row.id));
    const owing = [...chain].reverse().find((c) => c.paid);
    return {
      ...summaryOf(row),
      /** 1 primary, 2 secondary, 3 tertiary. */
      payerStep: row.payer_step,
      /** The claim whose payer's adjudication this claim to the next payer carries. */
      followsClaimId: row.follows_claim_id === null ? null : String(row.follows_claim_id),
      /** The claim to the next payer built from this claim's adjudication. */
      followedBy: followedBy ? { id: String(followedBy.id), payerId: followedBy.payer_id, status: followedBy.status } : null,
      /** Forwarded to a crossover payer (CLP02 19–21) whose 835 has not come yet. */
      awaitingCrossover:
        row.forwarded_to !== null &&
        row.forwarded_to !== undefined &&
        !payments.some((p) => p.role === 'secondary' || p.role === 'tertiary'),
      /**
       * What the patient owes after the last payer of the claim's chain (primary, secondary, tertiary) that answered:
       * that payer's CLP05 (a crossover payer's on a forwarded claim, with its step and id); null before any answer.
       */
      patientOwes: owing
        ? {
            amount: String(owing.patient_responsibility),
            payerStep: owing.answeredStep,
            payerId: owing.answeredBy,
            claimId: String(owing.id),
          }
        : null,
      patientRef: row.patient_ref,
      serviceDate: row.service_date,
      payerName: row.payer_name,
      payerClaimNumber: row.payer_claim_number,
      forwardedTo: row.forwarded_to ?? null,
      correctsClaimId: row.corrects_claim_id,
      override: row.override_reason ? { reason: row.override_reason, by: row.overridden_by, at: row.overridden_at } : null,
      submittedAt: row.submitted_at,
      adjudicatedAt: row.adjudicated_at,
      paidAmount: String(row.paid_amount),
      patientResponsibility: String(row.patient_responsibility),
      findings: row.findings,
      claim: row.claim,
      /** The operator's edits, applied again on every rebuild. */
      edits: row.edits ?? {},
      lines: lines.map((l) => ({
        lineNumber: l.line_number,
        chargeId: String(l.charge_id),
        state: l.state,
        code: l.code,
        modifiers: l.modifiers,
        units: String(l.units),
        chargeAmount: String(l.charge_amount),
        serviceDate: l.service_date,
        serviceKind: l.service_kind,
        paidAmount: String(l.paid_amount),
        /** The message that made the charge (the console links the charge to it). */
        messageId: l.message_id === null ? null : String(l.message_id),
      })),
      history: events,
      payments,
      corrections: corrections.map((c) => ({
        id: String(c.id),
        controlNumber: c.control_number,
        frequency: c.frequency,
        status: c.status,
      })),
      /** What each 999 and 277CA said about this claim (segment and element errors, STC codes), oldest first. */
      acknowledgments,
      batch: batch
        ? {
            id: String(batch.id),
            fileName: batch.file_name,
            interchangeControl: Number(batch.interchange_control),
            createdAt: batch.created_at,
          }
        : null,
    };
  }

  async listBatches(limit: number, before?: string) {
    let q = this.db
      .selectFrom('claim_batches')
      .select([
        'id',
        'payer_id',
        'file_name',
        'interchange_control',
        'group_control',
        'transaction_set_control',
        'usage',
        'claim_count',
        'total_charge',
        'actor',
        'created_at',
        'ta1_ack_code',
        'ta1_note_code',
      ])
      .orderBy('id', 'desc')
      .limit(limit);
    if (before) q = q.where('id', '<', before);
    const rows = await q.execute();
    const transfers = await transfersOf(
      this.db,
      rows.map((b) => String(b.id)),
    );
    return rows.map((b) => ({
      id: String(b.id),
      payerId: b.payer_id,
      fileName: b.file_name,
      interchangeControl: Number(b.interchange_control),
      groupControl: Number(b.group_control),
      transactionSetControl: Number(b.transaction_set_control),
      usage: b.usage,
      claimCount: b.claim_count,
      totalCharge: String(b.total_charge),
      actor: b.actor,
      createdAt: b.created_at,
      /** The upload to the clearinghouse (status, attempts, last error); null when the batch has none. */
      transfer: transfers.get(String(b.id)) ?? null,
      /** The TA1 answering its interchange: A, E or R with the note code and its meaning; null before one came. */
      ta1: b.ta1_ack_code ? { ackCode: b.ta1_ack_code, noteCode: b.ta1_note_code, meaning: ta1Meaning(b.ta1_note_code) ?? null } : null,
    }));
  }

  async batchX12(id: string): Promise<{ fileName: string; x12: string } | undefined> {
    const row = await this.db.selectFrom('claim_batches').select(['file_name', 'x12']).where('id', '=', id).executeTakeFirst();
    return row ? { fileName: row.file_name, x12: row.x12 } : undefined;
  }
}

/**
 * The claims of one payer chain (primary, the claim that follows it, the one that follows that), in payer order,
 * each with whether a payment was recorded for it.
 */
async function payerChain(db: Db, row: ClaimRow) {
  const cols = ['id', 'follows_claim_id', 'payer_step', 'payer_id', 'status', 'patient_responsibility'] as const;
  const withPaid = async (r: Pick<ClaimRow, (typeof cols)[number]>) => {
    const payments = await db
      .selectFrom('claim_payments as p')
      .innerJoin('remittances as m', 'm.id', 'p.remittance_id')
      .select(['p.payer_role', 'm.payer_ref', 'm.payer_id', 'm.payer_name'])
      .where('p.claim_id', '=', r.id)
      .where('p.withdrawn_at', 'is', null)
      .orderBy('p.id')
      .execute();
    // A crossover payer's answer on this claim (a forwarded claim) is the later payer step.
    const crossover =
      payments.filter((p) => p.payer_role === 'tertiary').at(-1) ?? payments.filter((p) => p.payer_role === 'secondary').at(-1);
    return {
      ...r,
      paid: payments.length > 0,
      answeredStep: r.payer_step + (crossover ? (crossover.payer_role === 'tertiary' ? 2 : 1) : 0),
      answeredBy: crossover ? (crossover.payer_ref ?? (crossover.payer_id || crossover.payer_name)) : r.payer_id,
    };
  };
  const chain = [await withPaid(row)];
  for (let up = row.follows_claim_id; up !== null && chain.length < 5;) {
    const r = await db.selectFrom('claims').select(cols).where('id', '=', up).executeTakeFirst();
    if (!r) break;
    chain.unshift(await withPaid(r));
    up = r.follows_claim_id;
  }
  for (let down: string | undefined = String(row.id); down !== undefined && chain.length < 5;) {
    const r = await db.selectFrom('claims').select(cols).where('follows_claim_id', '=', down).executeTakeFirst();
    if (!r) break;
    chain.push(await withPaid(r));
    down = String(r.id);
  }
  return chain;
}

// ---------------------------------------------------------------------------------------------------------------
// Rows

export function storedOf(row: ClaimRow): StoredClaim {
  return {
    id: String(row.id),
    controlNumber: row.control_number,
    status: row.status,
    frequency: row.frequency,
    correctsClaimId: row.corrects_claim_id === null ? null : String(row.corrects_claim_id),
    payerId: row.payer_id,
    payerName: row.payer_name,
    patientRef: row.patient_ref,
    coverageId: row.coverage_id === null ? null : String(row.coverage_id),
    serviceDate: row.service_date,
    payerClaimNumber: row.payer_claim_number,
    totalCharge: String(row.total_charge),
    claim: row.claim,
    findings: row.findings,
    overridden: row.override_reason !== null,
    batchId: row.batch_id === null ? null : String(row.batch_id),
    edits: row.edits ?? {},
    ...(row.follows_claim_id ? { followsClaimId: String(row.follows_claim_id) } : {}),
  };
}

function summaryOf(row: ClaimRow): ClaimSummary {
  const claim = row.claim;
  return {
    id: String(row.id),
    controlNumber: row.control_number,
    status: row.status,
    frequency: row.frequency,
    payerId: row.payer_id,
    lines: claim.lines.length,
    totalCharge: String(row.total_charge),
    findings: row.findings.length,
  };
}

export async function claimRow(db: Db, id: string): Promise<ClaimRow> {
  const row = await db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new EngineError('NOT_FOUND', `claim ${id} not found`);
  return row;
}

async function lineCharges(db: Db, claimId: string, state: LineState): Promise<LiveLine[]> {
  const lines = await db
    .selectFrom('claim_lines as l')
    .innerJoin('charges as ch', 'ch.id', 'l.charge_id')
    .select(['l.charge_id', 'ch.status'])
    .where('l.claim_id', '=', claimId)
    .where('l.state', '=', state)
    .orderBy('l.line_number')
    .execute();
  return lines.map((l): LiveLine => ({ chargeId: String(l.charge_id), chargeStatus: l.status }));
}

function firstDate(claim: Pick<Claim, 'lines'>): string {
  return claim.lines.map((l) => l.serviceDate).sort()[0]!;
}

/** 1 primary, 2 secondary, 3 tertiary: one more than the earlier payers the claim names (2320). */
function payerStepOf(claim: Pick<Claim, 'otherPayers'>): number {
  return (claim.otherPayers?.length ?? 0) + 1;
}

async function insertClaim(trx: Trx, c: NewClaim): Promise<void> {
  const claim = c.claim;
  const payerStep = payerStepOf(claim);
  await trx
    .insertInto('claims')
    .values({
      follows_claim_id: c.followsClaimId ?? null,
      payer_step: payerStep,
      id: claim.id,
      control_number: claim.controlNumber,
      status: c.status,
      frequency: claim.frequency,
      corrects_claim_id: c.correctsClaimId,
      payer_id: claim.payer.id,
      payer_name: claim.payer.name,
      patient_ref: claim.patient.patientRef,
      coverage_id: c.coverageId,
      service_date: firstDate(claim),
      billing_npi: claim.billingProvider.npi,
      payer_claim_number: claim.payerClaimNumber ?? null,
      total_charge: claim.totalCharge,
      claim: JSON.stringify(claim),
      findings: JSON.stringify(c.findings),
      override_reason: null,
      overridden_by: null,
      overridden_at: null,
      batch_id: null,
      submitted_at: null,
      adjudicated_at: null,
      edits: JSON.stringify(c.edits ?? {}),
    })
    .execute();
  await trx
    .insertInto('claim_lines')
    .values(
      claim.lines.map((l) => ({
        claim_id: claim.id,
        line_number: l.lineNumber,
        charge_id: l.chargeId,
        state: 'active' as const,
        code: l.code,
        modifiers: l.modifiers,
        units: l.units,
        charge_amount: l.chargeAmount,
        service_date: l.serviceDate,
        service_kind: l.serviceKind,
        payer_step: payerStep,
      })),
    )
    .execute();
}

async function updateClaim(trx: Trx, id: string, ch: ClaimChanges): Promise<void> {
  const set: Record<string, unknown> = { updated_at: sql`now()` };
  if (ch.status !== undefined) set.status = ch.status;
  if (ch.claim !== undefined) {
    Object.assign(set, {
      claim: JSON.stringify(ch.claim),
      payer_id: ch.claim.payer.id,
      payer_name: ch.claim.payer.name,
      total_charge: ch.claim.totalCharge,
      payer_claim_number: ch.claim.payerClaimNumber ?? null,
    });
  }
  if (ch.coverageId !== undefined) set.coverage_id = ch.coverageId;
  if (ch.findings !== undefined) set.findings = JSON.stringify(ch.findings);
  if (ch.override === null) Object.assign(set, { override_reason: null, overridden_by: null, overridden_at: null });
  else if (ch.override)
    Object.assign(set, { override_reason: ch.override.reason, overridden_by: ch.override.by, overridden_at: sql`now()` });
  if (ch.batchId !== undefined) set.batch_id = ch.batchId;
  if (ch.submittedAt !== undefined) set.submitted_at = ch.submittedAt;
  if (ch.edits !== undefined) set.edits = JSON.stringify(ch.edits);
  await trx.updateTable('claims').set(set).where('id', '=', id).execute();
  if (ch.claim !== undefined && ch.edits !== undefined) {
    // An operator's edit: the lines follow the snapshot's modifiers and units (same line numbers, same charges).
    for (const l of ch.claim.lines) {
      await trx
        .updateTable('claim_lines')
        .set({ modifiers: l.modifiers, units: l.units, charge_amount: l.chargeAmount })
        .where('claim_id', '=', id)
        .where('charge_id', '=', l.chargeId)
        .where('state', '=', 'active')
        .execute();
    }
  }
}

type ChargeColumns =
  | 'id'
  | 'status'
  | 'service_date'
  | 'patient_ref'
  | 'service_kind'
  | 'code_system'
  | 'code'
  | 'modifiers'
  | 'units'
  | 'charge_amount'
  | 'diagnoses'
  | 'rendering_npi'
  | 'ordering_npi'
  | 'ndc'
  | 'ndc_quantity'
  | 'ndc_unit'
  | 'rx_number'
  | 'place_of_service'
  | 'transaction_id'
  | 'vfc_eligibility'
  | 'hold_reason'
  | 'message_id'
  | 'unpriced'
  | 'priced_by';

function chargeInput(r: Pick<ChargeRow, ChargeColumns>): ChargeInput {
  return {
    id: String(r.id),
    status: r.status,
    serviceDate: r.service_date,
    patientRef: r.patient_ref,
    serviceKind: r.service_kind,
    codeSystem: r.code_system,
    code: r.code,
    modifiers: r.modifiers,
    units: String(r.units),
    chargeAmount: String(r.charge_amount),
    diagnoses: r.diagnoses,
    renderingNpi: r.rendering_npi,
    orderingNpi: r.ordering_npi,
    ndc: r.ndc,
    ndcQuantity: r.ndc_quantity === null ? null : String(r.ndc_quantity),
    ndcUnit: r.ndc_unit,
    rxNumber: r.rx_number,
    placeOfService: r.place_of_service,
    transactionId: r.transaction_id,
    vfcEligibility: r.vfc_eligibility,
    holdReason: r.hold_reason,
    messageId: String(r.message_id),
    ...(r.unpriced && r.priced_by === null ? { unpriced: true } : {}),
  };
}

const CHARGE_COLUMNS = [
  'ch.id',
  'ch.status',
  'ch.service_date',
  'ch.patient_ref',
  'ch.service_kind',
  'ch.code_system',
  'ch.code',
  'ch.modifiers',
  'ch.units',
  'ch.charge_amount',
  'ch.diagnoses',
  'ch.rendering_npi',
  'ch.ordering_npi',
  'ch.ndc',
  'ch.ndc_quantity',
  'ch.ndc_unit',
  'ch.rx_number',
  'ch.place_of_service',
  'ch.transaction_id',
  'ch.vfc_eligibility',
  'ch.hold_reason',
  'ch.message_id',
  'ch.unpriced',
  'ch.priced_by',
] as const;

/**
 * The charges (`charges as ch`) of `statuses` that no claim bills: none has an active, superseded or dropped claim
 * line (a released line, of a claim voided before it was sent, does not bill it).
 */
export function chargesNoClaimBills(db: Db, statuses: ReadonlyArray<ChargeRow['status']>) {
  return db
    .selectFrom('charges as ch')
    .where('ch.status', 'in', [...statuses])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('claim_lines as l')
            .select('l.id')
            .whereRef('l.charge_id', '=', 'ch.id')
            .where('l.state', 'in', ['active', 'superseded', 'dropped']),
        ),
      ),
    );
}

/**
 * Active charges no claim bills, oldest first; and held charges (never claimed: the build lists them with their
 * reason).
 */
async function loadClaimableCharges(db: Db): Promise<ChargeInput[]> {
  const rows = await chargesNoClaimBills(db, ['active', 'held']).select(CHARGE_COLUMNS).orderBy('ch.id').execute();
  return rows.map(chargeInput);
}

async function loadChargesById(db: Db, ids: readonly string[]): Promise<Map<string, ChargeInput>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('charges as ch').select(CHARGE_COLUMNS).where('ch.id', 'in', ids).execute();
  return new Map(rows.map((r) => [String(r.id), chargeInput(r)]));
}

export async function loadParties(
  db: Db,
  patientRefs: readonly string[],
): Promise<{ patients: PatientInput[]; coverages: CoverageInput[] }> {
  if (patientRefs.length === 0) return { patients: [], coverages: [] };
  const refs = [...patientRefs];
  const [patients, coverages] = await Promise.all([
    db.selectFrom('patients').selectAll().where('patient_ref', 'in', refs).execute(),
    db.selectFrom('coverages').selectAll().where('patient_ref', 'in', refs).execute(),
  ]);
  return {
    patients: patients.map((p) => ({
      patientRef: p.patient_ref,
      familyName: p.family_name,
      givenName: p.given_name,
      birthDate: p.birth_date,
      sex: p.sex,
      addressLine1: p.address_line1,
      addressLine2: p.address_line2,
      city: p.city,
      state: p.state,
      postalCode: p.postal_code,
    })),
    coverages: coverages.map((c) => ({
      id: String(c.id),
      patientRef: c.patient_ref,
      payerId: c.payer_id,
      payerName: c.payer_name,
      memberId: c.member_id,
      groupNumber: c.group_number,
      groupName: c.group_name,
      planType: c.plan_type,
      relationship: c.relationship,
      priority: c.priority,
      effectiveDate: c.effective_date,
      expirationDate: c.expiration_date,
      asOf: new Date(c.as_of).toISOString(),
      subscriberFamilyName: c.subscriber_family_name,
      subscriberGivenName: c.subscriber_given_name,
      subscriberBirthDate: c.subscriber_birth_date,
      subscriberSex: c.subscriber_sex,
      confirmedPriority: c.confirmed_priority,
    })),
  };
}

/**
 * Services billed on other submitted, not voided claims (duplicate detection), preloaded for the patients
 * scrubbed and keyed as src/billing/scrub/billed-service.ts keys them: patient, payer, date of service, code,
 * modifiers and the rendering NPI the stored claim was sent with.
 */
async function claimHistory(db: Db, patientRefs: readonly string[]): Promise<ClaimHistory> {
  const counts = new Map<string, number>();
  if (patientRefs.length > 0) {
    const rows = await db
      .selectFrom('claim_lines as l')
      .innerJoin('claims as c', 'c.id', 'l.claim_id')
      .select(['c.claim', 'l.line_number', 'l.code', 'l.modifiers', 'l.service_date'])
      .where('c.patient_ref', 'in', [...patientRefs])
      .where('l.state', '=', 'active')
      .where('c.status', 'in', [...SENT_STATUSES])
      .where('c.frequency', '!=', '8')
      .execute();
    for (const r of rows) {
      const claim = r.claim;
      const sent = claim.lines.find((l) => l.lineNumber === r.line_number);
      const key = serviceKey(
        billedServiceOf(claim, {
          serviceDate: r.service_date,
          code: r.code,
          modifiers: r.modifiers,
          renderingProvider: sent?.renderingProvider,
        }),
      );
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return { priorLines: (service) => counts.get(serviceKey(service)) ?? 0 };
}

/** The next ISA13/GS06/ST02 of `senderId`, drawn in the caller's transaction (rolled back with it). */
export async function nextControlNumbers(trx: Trx, senderId: string): Promise<ControlNumbers> {
  await trx
    .insertInto('x12_counters')
    .values({ sender_id: senderId })
    .onConflict((oc) => oc.column('sender_id').doNothing())
    .execute();
  const row = await trx
    .updateTable('x12_counters')
    .set({
      interchange: sql`interchange + 1`,
      group_control: sql`group_control + 1`,
      transaction_set: sql`transaction_set + 1`,
      updated_at: sql`now()`,
    })
    .where('sender_id', '=', senderId)
    .returning(['interchange', 'group_control', 'transaction_set'])
    .executeTakeFirstOrThrow();
  return { interchange: Number(row.interchange), group: Number(row.group_control), transactionSet: Number(row.transaction_set) };
}

/** The payments recorded for a claim, newest last, with their lines and adjustments (a withdrawn remittance's are not). */
async function claimPayments(db: Db, claimId: string) {
  const payments = await db
    .selectFrom('claim_payments as p')
    .innerJoin('remittances as r', 'r.id', 'p.remittance_id')
    .select([
      'p.id',
      'p.remittance_id',
      'r.trace_number',
      'r.payment_date',
      'r.received_at',
      'r.payer_name',
      'p.status_code',
      'p.outcome',
      'p.payer_role',
      'p.charge',
      'p.paid',
      'p.patient_responsibility',
      'p.payer_claim_number',
      'p.days_to_payment',
    ])
    .where('p.claim_id', '=', claimId)
    .where('p.withdrawn_at', 'is', null)
    .orderBy('p.id')
    .execute();
  if (payments.length === 0) return [];
  const ids = payments.map((p) => String(p.id));
  const [lines, adjustments] = await Promise.all([
    db.selectFrom('line_payments').selectAll().where('claim_payment_id', 'in', ids).orderBy('id').execute(),
    db.selectFrom('payment_adjustments').selectAll().where('claim_payment_id', 'in', ids).orderBy('id').execute(),
  ]);
  const adj = (a: (typeof adjustments)[number]) => ({
    group: a.group_code,
    reason: a.reason,
    amount: String(a.amount),
    ...(a.quantity !== null ? { quantity: String(a.quantity) } : {}),
  });
  return payments.map((p) => ({
    remittanceId: String(p.remittance_id),
    traceNumber: p.trace_number,
    paymentDate: p.payment_date,
    receivedAt: p.received_at,
    payerName: p.payer_name,
    role: p.payer_role ?? 'claim-payer',
    statusCode: p.status_code,
    outcome: p.outcome,
    charge: String(p.charge),
    paid: String(p.paid),
    patientResponsibility: String(p.patient_responsibility),
    payerClaimNumber: p.payer_claim_number,
    daysToPayment: p.days_to_payment,
    adjustments: adjustments.filter((a) => a.claim_payment_id === p.id && a.line_payment_id === null).map(adj),
    lines: lines
      .filter((l) => l.claim_payment_id === p.id)
      .map((l) => ({
        lineNumber: l.line_number,
        code: l.code,
        outcome: l.outcome,
        charge: String(l.charge),
        paid: String(l.paid),
        unitsPaid: l.units_paid === null ? null : String(l.units_paid),
        adjustments: adjustments.filter((a) => a.line_payment_id === l.id).map(adj),
      })),
  }));
}
