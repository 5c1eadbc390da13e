/**
 * Eligibility on Postgres: the port of src/billing/eligibility/ports.ts (a unit of work is one transaction holding the
 * claims lock, as claim building's: it changes coverages and charges claim building reads and draws control numbers
 * from the same x12_counters), and the list of checks the API shows. Nothing here decides
 * (src/billing/workflows/eligibility.ts does).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { ELIGIBILITY_HOLD_PREFIX, type EligibilityDecision, type InquiryOfRecord } from '../billing/eligibility/decide';
import type { EligibilityPort, EligibilityUnitOfWork } from '../billing/eligibility/ports';
import { UNSENT_STATUSES } from '../billing/claims/lifecycle';
import { chargesNoClaimBills, loadParties, lockClaims, nextControlNumbers, noteClaim } from './claims';
import type { WithinPosting } from './claims-remittances';
import { queueTransfer } from './transfer-queue';
import { nextRowIds } from './sequences';
import type { Database } from './types';

type Trx = Transaction<Database>;

export class EligibilityRepository implements EligibilityPort {
  /** `within` runs at the end of each unit of work, in its transaction (the clearinghouse pickup records its file there). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly within?: WithinPosting,
  ) {}

  transaction<T>(fn: (uow: EligibilityUnitOfWork) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      const out = await fn(unitOfWork(trx));
      if (this.within) await this.within(trx);
      return out;
    });
  }
}

/** Active charges no claim bills. */
const unclaimed = (trx: Trx) => chargesNoClaimBills(trx, ['active']);

function unitOfWork(trx: Trx): EligibilityUnitOfWork {
  return {
    async unclaimedCharges(patientRefs) {
      if (patientRefs && patientRefs.length === 0) return [];
      let q = unclaimed(trx).select(['ch.id', 'ch.patient_ref', 'ch.service_date', 'ch.coverage_id']);
      if (patientRefs) q = q.where('ch.patient_ref', 'in', [...patientRefs]);
      const rows = await q.orderBy('ch.id').execute();
      return rows.map((r) => ({
        id: String(r.id),
        patientRef: r.patient_ref,
        serviceDate: r.service_date,
        coverageId: r.coverage_id === null ? null : String(r.coverage_id),
      }));
    },
    parties: (refs) => loadParties(trx, refs),
    async unsentClaims(patientRef) {
      const rows = await trx
        .selectFrom('claims')
        .select(['id', 'coverage_id', 'service_date', 'status'])
        .where('patient_ref', '=', patientRef)
        .where('status', 'in', [...UNSENT_STATUSES])
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: String(r.id),
        coverageId: r.coverage_id === null ? null : String(r.coverage_id),
        serviceDate: r.service_date,
        status: r.status,
      }));
    },
    nextControlNumbers: (senderId) => nextControlNumbers(trx, senderId),
    nextCheckIds: (count) => nextRowIds(trx, 'eligibility_checks', count),
    async insertFile(f) {
      const row = await trx
        .insertInto('eligibility_files')
        .values({
          kind: f.kind,
          payer_id: f.payerId,
          interchange_control: f.interchangeControl,
          file_name: f.fileName,
          x12: f.x12,
          actor: f.actor,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const fileId = String(row.id);
      if (f.upload) await queueTransfer(trx, { eligibilityFileId: fileId }, f.upload, f.x12);
      return fileId;
    },
    async insertChecks(checks) {
      if (checks.length === 0) return;
      await trx
        .insertInto('eligibility_checks')
        .values(
          checks.map((c) => ({
            id: c.id as never,
            trace: c.trace,
            patient_ref: c.patientRef,
            coverage_id: c.coverageId,
            payer_id: c.payerId,
            payer_name: c.payerName,
            member_id: c.memberId,
            service_from: c.serviceFrom,
            service_to: c.serviceTo,
            inquiry_file_id: c.inquiryFileId,
            created_by: c.actor,
          })),
        )
        .execute();
    },
    async inquiriesByTrace(traces) {
      const out = new Map<string, InquiryOfRecord>();
      if (traces.length === 0) return out;
      // The patient is the coverage's now: a merge (ADT^A40) since the inquiry moved it to the surviving patient.
      const rows = await trx
        .selectFrom('eligibility_checks as e')
        .innerJoin('coverages as c', 'c.id', 'e.coverage_id')
        .select([
          'e.id',
          'e.trace',
          'c.patient_ref',
          'e.coverage_id',
          'e.payer_id',
          'e.payer_name',
          'e.member_id',
          'e.service_from',
          'e.service_to',
        ])
        .where('e.trace', 'in', [...traces])
        .execute();
      for (const r of rows) {
        out.set(r.trace, {
          id: String(r.id),
          patientRef: r.patient_ref,
          coverageId: String(r.coverage_id),
          payerId: r.payer_id,
          payerName: r.payer_name ?? r.payer_id,
          memberId: r.member_id,
          serviceFrom: r.service_from,
          serviceTo: r.service_to,
        });
      }
      return out;
    },
    async endCoverage(coverageId, endDate) {
      await trx
        .updateTable('coverages')
        .set({ expiration_date: endDate, as_of: sql`greatest(as_of, now())`, updated_at: sql`now()` })
        .where('id', '=', coverageId)
        .execute();
    },
    async setMemberId(coverageId, memberId) {
      await trx
        .updateTable('coverages')
        .set({ member_id: memberId, as_of: sql`greatest(as_of, now())`, updated_at: sql`now()` })
        .where('id', '=', coverageId)
        .execute();
    },
    async confirmPriorities(patientRef, priorities) {
      await trx.updateTable('coverages').set({ confirmed_priority: null }).where('patient_ref', '=', patientRef).execute();
      for (const [id, priority] of Object.entries(priorities)) {
        await trx
          .updateTable('coverages')
          .set({ confirmed_priority: priority, updated_at: sql`now()` })
          .where('id', '=', id)
          .execute();
      }
    },
    async holdCharges(chargeIds, reason) {
      if (chargeIds.length === 0) return [];
      const rows = await unclaimed(trx)
        .select('ch.id')
        .where('ch.id', 'in', [...chargeIds])
        .execute();
      const ids = rows.map((r) => String(r.id));
      if (ids.length === 0) return [];
      await trx.updateTable('charges').set({ status: 'held', hold_reason: reason }).where('id', 'in', ids).execute();
      return ids;
    },
    async releaseHeld(chargeIds) {
      if (chargeIds.length === 0) return [];
      const rows = await trx
        .updateTable('charges')
        .set({ status: 'active', hold_reason: null })
        .where('id', 'in', [...chargeIds])
        .where('status', '=', 'held')
        .where('hold_reason', 'like', `${ELIGIBILITY_HOLD_PREFIX}%`)
        .returning('id')
        .execute();
      return rows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b));
    },
    noteClaim: (claimId, status, note, actor) => noteClaim(trx, claimId, status as never, 'note', actor, note),
    async recordAnswer(checkId, a) {
      await trx
        .updateTable('eligibility_checks')
        .set({
          response_file_id: a.responseFileId,
          outcome: a.outcome,
          summary: a.summary,
          changes: JSON.stringify(a.changes),
          answered_by: a.actor,
          answered_at: new Date(),
        })
        .where('id', '=', checkId)
        .execute();
    },
  };
}

export interface EligibilityCheckQuery {
  patient?: string;
  before?: string;
  limit: number;
}

/** Checks newest first, with their latest answer (no member ids: those stay in the row's changes). */
export async function listEligibilityChecks(db: Kysely<Database>, q: EligibilityCheckQuery) {
  let query = db
    .selectFrom('eligibility_checks as e')
    .select([
      'e.id',
      'e.patient_ref',
      'e.coverage_id',
      'e.payer_id',
      'e.payer_name',
      'e.service_from',
      'e.service_to',
      'e.inquiry_file_id',
      'e.created_by',
      'e.created_at',
      'e.response_file_id',
      'e.outcome',
      'e.summary',
      'e.answered_by',
      'e.answered_at',
      'e.changes',
    ])
    .orderBy('e.id', 'desc')
    .limit(q.limit);
  if (q.patient) query = query.where('e.patient_ref', '=', q.patient);
  if (q.before) query = query.where('e.id', '<', q.before);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    patientRef: r.patient_ref,
    coverageId: r.coverage_id === null ? null : String(r.coverage_id),
    payerId: r.payer_id,
    payerName: r.payer_name,
    serviceFrom: r.service_from,
    serviceTo: r.service_to,
    inquiryFileId: String(r.inquiry_file_id),
    askedBy: r.created_by,
    askedAt: new Date(r.created_at).toISOString(),
    responseFileId: r.response_file_id === null ? null : String(r.response_file_id),
    outcome: r.outcome,
    summary: r.summary,
    answeredBy: r.answered_by,
    answeredAt: r.answered_at === null ? null : new Date(r.answered_at).toISOString(),
    ...affected(r.changes),
  }));
}

/** The charges held and the claims noted by a check's answer (its recorded decision), without its member ids. */
function affected(changes: unknown): { heldCharges: string[]; notedClaims: string[] } {
  const d = (typeof changes === 'string' ? JSON.parse(changes) : changes) as Partial<EligibilityDecision> | null;
  return {
    heldCharges: d?.hold?.chargeIds ?? [],
    notedClaims: [...new Set((d?.claimNotes ?? []).map((n) => n.claimId))],
  };
}

/** An eligibility file (270 sent or 271 posted) as text. */
export async function eligibilityFile(db: Kysely<Database>, id: string) {
  const row = await db.selectFrom('eligibility_files').select(['kind', 'file_name', 'x12']).where('id', '=', id).executeTakeFirst();
  return row ? { fileName: row.file_name ?? `${row.kind}-${id}.x12`, x12: row.x12 } : undefined;
}
