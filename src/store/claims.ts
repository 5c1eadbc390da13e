/**
 * The claims repository (docs/billing.md): builds claims from unclaimed charges, scrubs them, batches them into
 * 837P files and records what operators do to them. The decisions are the pure billing modules'
 * (src/billing/claims: build, corrections, lifecycle; the scrubber and the 837P writer come in as functions);
 * this module reads their inputs and writes their results, each operation in one transaction.
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
import { EngineError } from '../core/errors';
import {
  buildClaims, claimFromCharges, routeCharge, type ClaimDraft, type UnclaimedCharge,
} from '../billing/claims/build';
import { claimControlNumber } from '../billing/claims/control-number';
import { planCorrections, voidOf, type LiveClaim, type LiveLine } from '../billing/claims/corrections';
import type { ChargeInput, CoverageInput, PatientInput } from '../billing/claims/inputs';
import {
  SENT_STATUSES, UNSENT_STATUSES, checkOverride, isBatchable, statusAfterScrub, transition,
  type ClaimAction, type ClaimEvent, type ClaimStatus,
} from '../billing/claims/lifecycle';
import { sumAmounts } from '../billing/claims/money';
import type { BillingConfig } from '../billing/config';
import type { Claim, ControlNumbers, ScrubFinding } from '../billing/model';
import { NO_PAYER_RULES, type PayerRules } from '../billing/scrub/payer-rules';
import { billedServiceOf, serviceKey } from '../billing/scrub/billed-service';
import type { ClaimHistory } from '../billing/scrub/types';
import { providerDirectory } from '../billing/providers/directory';
import type { Outbox, StagedFile } from './claims-outbox';
import { loadProvidersForCharges } from './providers';
import type { ChargeRow, ClaimRow, Database } from './types';

type Trx = Transaction<Database>;
type Db = Kysely<Database> | Trx;

/** Scrubs one claim against the code sets and payer rules loaded for this operation. */
export type Scrubber = (claim: Claim, history: ClaimHistory) => ScrubFinding[];

/**
 * Prepares a Scrubber for `claims` (e.g. preloads the code sets they name) reading through `db`, which is the
 * operation's transaction: on PGlite (one connection) reading through another handle would deadlock.
 */
export type ScrubberFactory = (db: Kysely<Database>, claims: readonly Claim[]) => Promise<Scrubber>;

/** Writes the 837P text of one batch (src/billing/x12-837p.ts write837P), and checks one claim can be written. */
export interface X12Writer {
  write(claims: readonly Claim[], control: ControlNumbers, now: Date): string;
  /** Throws (CLAIM_INVALID) when the claim cannot be written. */
  check(claim: Claim): void;
}

export interface ClaimsContext {
  config: BillingConfig;
  /** Payer rules: the build chooses vaccine administration codes by them. Default: none. */
  payerRules?: PayerRules;
  scrub: ScrubberFactory;
  actor: string;
  now: Date;
}

export interface ClaimSummary {
  id: string;
  controlNumber: string;
  status: ClaimStatus;
  frequency: string;
  payerId: string;
  lines: number;
  totalCharge: string;
  findings: number;
}

export interface BuildSummary {
  created: ClaimSummary[];
  /** Charges not claimed until the cause is fixed. */
  held: UnclaimedCharge[];
  /** Charges not claimed by design (NCPDP). */
  excluded: UnclaimedCharge[];
  /** Unsent claims voided because a charge on them was reversed (their other charges are in `created`). */
  released: string[];
  /** Held corrections scrubbed again because the payer claim number they waited for arrived. */
  rescrubbed: ClaimSummary[];
}

export interface BatchSummary {
  id: string;
  payerId: string;
  fileName: string;
  interchangeControl: number;
  groupControl: number;
  transactionSetControl: number;
  claimIds: string[];
  totalCharge: string;
  /** False when the file could not be moved into the outbox after the batch was committed (fetch it by API). */
  written: boolean;
}

export interface BatchRun {
  batches: BatchSummary[];
  /** Ready claims the 837P writer refused: moved to held with the reason. */
  held: Array<{ claimId: string; reason: string }>;
}

export interface ClaimFilter {
  status?: ClaimStatus;
  payer?: string;
  patient?: string;
  before?: string;
  limit: number;
}

/** One lock for every claim-changing operation (see the module comment). */
const CLAIMS_LOCK = 0x52584243; // "RXBC"

export async function lockClaims(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CLAIMS_LOCK})`.execute(trx);
}

export async function addClaimEvent(db: Db, claimId: string, e: ClaimEvent): Promise<void> {
  await db.insertInto('claim_events').values({
    claim_id: claimId, actor: e.actor, action: e.action, from_status: e.from, to_status: e.to, reason: e.reason ?? null,
  }).execute();
}

/** Moves a claim along the lifecycle (CONFLICT when not allowed) and records the event. */
export async function moveClaim(
  trx: Trx, claimId: string, from: ClaimStatus, to: ClaimStatus, action: ClaimAction, actor: string, reason?: string,
  extra: Partial<Record<'submitted_at' | 'adjudicated_at', unknown>> = {},
): Promise<void> {
  const event = transition(from, to, action, actor, reason);
  await trx.updateTable('claims').set({ status: to, updated_at: sql`now()`, ...(extra as object) })
    .where('id', '=', claimId).execute();
  await addClaimEvent(trx, claimId, event);
}

/** An event that records something without a status change (from = to). */
export async function noteClaim(db: Db, claimId: string, status: ClaimStatus, action: ClaimAction, actor: string, reason: string): Promise<void> {
  await addClaimEvent(db, claimId, { action, from: status, to: status, actor, reason });
}

export class ClaimStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Builds claims from every unclaimed active charge: corrections for reversed charges first (release, replace,
   * void, drop), then new claims, each scrubbed to held or ready. Also scrubs again the held corrections whose
   * payer claim number has since arrived.
   */
  async build(ctx: ClaimsContext): Promise<BuildSummary> {
    return this.db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      const released: string[] = [];
      const drafts: ClaimDraft[] = [];
      for (const plan of planCorrections(await loadAffectedClaims(trx))) {
        if (plan.kind === 'release') {
          await releaseClaim(trx, plan.claimId, ctx.actor, plan.reason);
          released.push(plan.claimId);
        } else if (plan.kind === 'drop') {
          await trx.updateTable('claim_lines').set({ state: 'dropped' })
            .where('claim_id', '=', plan.claimId).where('charge_id', 'in', plan.chargeIds).where('state', '=', 'active').execute();
          const row = await claimRow(trx, plan.claimId);
          await noteClaim(trx, plan.claimId, row.status as ClaimStatus, 'note', ctx.actor, plan.reason);
        } else {
          if (plan.replacesCorrectionId) await releaseClaim(trx, plan.replacesCorrectionId, ctx.actor, plan.reason);
          drafts.push(plan.draft);
        }
      }

      const charges = await loadClaimableCharges(trx);
      const { patients, coverages } = await loadParties(trx, [...new Set(charges.map((c) => c.patientRef))]);
      const providers = await loadProvidersForCharges(trx, charges);
      const built = buildClaims({ charges, patients, coverages, config: ctx.config, payerRules: ctx.payerRules, providers });
      drafts.push(...built.drafts);

      const created = await insertDrafts(trx, drafts, ctx);
      const rescrubbed = await rescrubWaitingCorrections(trx, ctx);
      return { created, held: built.held, excluded: built.excluded, released, rescrubbed };
    });
  }

  /** What a build would leave unclaimed now, and how many charges it would claim (nothing is written). */
  async unclaimed(config: BillingConfig, payerRules?: PayerRules): Promise<{ claimable: number; held: UnclaimedCharge[]; excluded: UnclaimedCharge[] }> {
    const charges = await loadClaimableCharges(this.db);
    const { patients, coverages } = await loadParties(this.db, [...new Set(charges.map((c) => c.patientRef))]);
    const built = buildClaims({ charges, patients, coverages, config, payerRules });
    return { claimable: built.drafts.reduce((n, d) => n + d.claim.lines.length, 0), held: built.held, excluded: built.excluded };
  }

  async list(f: ClaimFilter): Promise<ClaimSummary[]> {
    let q = this.db.selectFrom('claims').selectAll().orderBy('id', 'desc').limit(f.limit);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.payer) q = q.where('payer_id', '=', f.payer);
    if (f.patient) q = q.where('patient_ref', '=', f.patient);
    if (f.before) q = q.where('id', '<', f.before);
    return (await q.execute()).map(summaryOf);
  }

  /** A claim with its lines, findings, history, payments, corrections and batch; undefined when unknown. */
  async get(id: string) {
    const row = await this.db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const [lines, events, payments, corrections, batch] = await Promise.all([
      this.db.selectFrom('claim_lines').selectAll().where('claim_id', '=', id).orderBy('line_number').execute(),
      this.db.selectFrom('claim_events').select(['at', 'actor', 'action', 'from_status', 'to_status', 'reason'])
        .where('claim_id', '=', id).orderBy('id').execute(),
      claimPayments(this.db, id),
      this.db.selectFrom('claims').select(['id', 'control_number', 'frequency', 'status']).where('corrects_claim_id', '=', id)
        .orderBy('id').execute(),
      row.batch_id
        ? this.db.selectFrom('claim_batches').select(['id', 'file_name', 'interchange_control', 'created_at'])
          .where('id', '=', row.batch_id).executeTakeFirst()
        : Promise.resolve(undefined),
    ]);
    return {
      ...summaryOf(row),
      patientRef: row.patient_ref,
      serviceDate: row.service_date,
      payerName: row.payer_name,
      payerClaimNumber: row.payer_claim_number,
      forwardedTo: row.forwarded_to ?? null,
      correctsClaimId: row.corrects_claim_id,
      override: row.override_reason
        ? { reason: row.override_reason, by: row.overridden_by, at: row.overridden_at } : null,
      submittedAt: row.submitted_at,
      adjudicatedAt: row.adjudicated_at,
      paidAmount: String(row.paid_amount),
      patientResponsibility: String(row.patient_responsibility),
      findings: row.findings as ScrubFinding[],
      claim: row.claim as Claim,
      lines: lines.map((l) => ({
        lineNumber: l.line_number, chargeId: String(l.charge_id), state: l.state, code: l.code, modifiers: l.modifiers,
        units: String(l.units), chargeAmount: String(l.charge_amount), serviceDate: l.service_date,
        serviceKind: l.service_kind, paidAmount: String(l.paid_amount),
      })),
      history: events,
      payments,
      corrections: corrections.map((c) => ({ id: String(c.id), controlNumber: c.control_number, frequency: c.frequency, status: c.status })),
      batch: batch ? { id: String(batch.id), fileName: batch.file_name, interchangeControl: Number(batch.interchange_control), createdAt: batch.created_at } : null,
    };
  }

  /** A held claim goes to ready with the operator's reason (audited); its findings stay on it. */
  async override(id: string, reason: string, actor: string): Promise<ClaimSummary> {
    return this.db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      const row = await claimRow(trx, id);
      checkOverride(row.status as ClaimStatus, reason);
      const findings = (row.findings as ScrubFinding[]).filter((f) => f.severity === 'error').map((f) => f.ruleId);
      await trx.updateTable('claims')
        .set({ override_reason: reason.trim(), overridden_by: actor, overridden_at: sql`now()` }).where('id', '=', id).execute();
      await moveClaim(trx, id, 'held', 'ready', 'override', actor,
        `overridden: ${reason.trim()} (error findings: ${[...new Set(findings)].join(', ') || 'none'})`);
      return summaryOf(await claimRow(trx, id));
    });
  }

  /**
   * Voids a claim. Not sent yet: voided in place, its charges dropped (never claimed again); a correction voided
   * gives its original claim back its lines. Sent: a void claim (frequency 8) is built and scrubbed, and returned.
   */
  async void(id: string, reason: string, ctx: ClaimsContext): Promise<{ voided: ClaimSummary; voidClaim?: ClaimSummary }> {
    if (reason.trim().length < 3) throw new EngineError('BAD_REQUEST', 'a void needs a reason');
    return this.db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      const row = await claimRow(trx, id);
      const status = row.status as ClaimStatus;
      if (UNSENT_STATUSES.has(status)) {
        await moveClaim(trx, id, status, 'voided', 'void', ctx.actor, reason.trim());
        await trx.updateTable('claim_lines').set({ state: 'dropped' }).where('claim_id', '=', id).where('state', '=', 'active').execute();
        if (row.corrects_claim_id) await restoreOriginal(trx, row.corrects_claim_id, id, ctx.actor);
        return { voided: summaryOf(await claimRow(trx, id)) };
      }
      if (!SENT_STATUSES.has(status)) throw new EngineError('CONFLICT', `a ${status} claim cannot be voided`);
      const pending = await trx.selectFrom('claims').select('id').where('corrects_claim_id', '=', id)
        .where('status', 'in', [...UNSENT_STATUSES]).executeTakeFirst();
      if (pending) throw new EngineError('CONFLICT', `claim ${id} already has an unsent correction (claim ${pending.id}); void or send that first`);
      const live = await liveClaim(trx, row, 'active');
      const [created] = await insertDrafts(trx, [voidOf(live)], ctx, `void requested: ${reason.trim()}`);
      return { voided: summaryOf(await claimRow(trx, id)), voidClaim: created };
    });
  }

  /**
   * Corrects a held, ready or rejected claim: rebuilt from its charges with today's patient, coverage and
   * configuration (a correction takes its original's payer claim number if it arrived), then scrubbed again.
   */
  async correct(id: string, ctx: ClaimsContext): Promise<ClaimSummary> {
    return this.db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      const row = await claimRow(trx, id);
      const status = row.status as ClaimStatus;
      if (!['held', 'ready', 'rejected', 'draft'].includes(status)) {
        throw new EngineError('CONFLICT', `a ${status} claim cannot be corrected${SENT_STATUSES.has(status) ? ' (void it, or let a reversal replace it)' : ''}`);
      }
      const rebuilt = await rebuildClaim(trx, row, ctx.config, ctx.payerRules);
      await rescrub(trx, row, rebuilt.claim, rebuilt.findings, ctx, 'correct', 'corrected and scrubbed again', rebuilt.columns);
      return summaryOf(await claimRow(trx, id));
    });
  }

  /** Closes an adjudicated claim (paid, partial or denied): nothing more is expected. */
  async close(id: string, reason: string, actor: string): Promise<ClaimSummary> {
    return this.db.transaction().execute(async (trx) => {
      await lockClaims(trx);
      const row = await claimRow(trx, id);
      await moveClaim(trx, id, row.status as ClaimStatus, 'closed', 'close', actor, reason.trim() || 'closed');
      return summaryOf(await claimRow(trx, id));
    });
  }

  /**
   * One 837P batch per payer from its batchable claims (ready, and no error finding unless overridden), each in
   * its own transaction: counters, file staged in the outbox, batch row, claims batched. `payerId` limits it to
   * one payer. Ready claims the writer refuses are moved to held with the reason.
   */
  async createBatches(ctx: ClaimsContext, writer: X12Writer, outbox: Outbox, payerId?: string): Promise<BatchRun> {
    let q = this.db.selectFrom('claims').select('payer_id').distinct().where('status', '=', 'ready').orderBy('payer_id');
    if (payerId) q = q.where('payer_id', '=', payerId);
    const payers = (await q.execute()).map((r) => r.payer_id);
    const run: BatchRun = { batches: [], held: [] };
    for (const payer of payers) {
      const { batch, held } = await this.batchPayer(payer, ctx, writer, outbox);
      if (batch) run.batches.push(batch);
      run.held.push(...held);
    }
    return run;
  }

  private async batchPayer(
    payerId: string, ctx: ClaimsContext, writer: X12Writer, outbox: Outbox,
  ): Promise<{ batch?: BatchSummary; held: BatchRun['held'] }> {
    let staged: StagedFile | undefined;
    let result: { batch?: BatchSummary; held: BatchRun['held'] };
    try {
      result = await this.db.transaction().execute(async (trx) => {
        await lockClaims(trx);
        const rows = await trx.selectFrom('claims').selectAll().where('status', '=', 'ready').where('payer_id', '=', payerId)
          .orderBy('id').forUpdate().execute();
        const held: BatchRun['held'] = [];
        const claims: Claim[] = [];
        for (const row of rows) {
          if (!isBatchable({ status: 'ready', findings: row.findings as ScrubFinding[], overridden: row.override_reason !== null })) continue;
          const claim = row.claim as Claim;
          try {
            writer.check(claim);
            claims.push(claim);
          } catch (err) {
            const reason = err instanceof EngineError ? err.message : 'the 837P writer refused the claim';
            await holdForWriter(trx, row, reason, ctx.actor);
            held.push({ claimId: String(row.id), reason });
          }
        }
        if (claims.length === 0) return { held };

        const control = await nextControlNumbers(trx, ctx.config.interchange.senderId);
        const text = writer.write(claims, control, ctx.now);
        const fileName = `837P-${payerId.replace(/[^A-Za-z0-9-]/g, '_')}-${String(control.interchange).padStart(9, '0')}.x12`;
        staged = await outbox.stage(fileName, text);
        const totalCharge = sumAmounts(claims.map((c) => c.totalCharge));
        const inserted = await trx.insertInto('claim_batches').values({
          payer_id: payerId, sender_id: ctx.config.interchange.senderId, interchange_control: control.interchange,
          group_control: control.group, transaction_set_control: control.transactionSet, usage: ctx.config.interchange.usage,
          claim_count: claims.length, total_charge: totalCharge, file_name: fileName, x12: text, actor: ctx.actor,
        }).returning('id').executeTakeFirstOrThrow();
        const batchId = String(inserted.id);
        for (const claim of claims) {
          await trx.updateTable('claims').set({ batch_id: batchId }).where('id', '=', claim.id).execute();
          await moveClaim(trx, claim.id, 'ready', 'batched', 'batch', ctx.actor,
            `batch ${batchId}, file ${fileName} (ISA13 ${control.interchange}, GS06 ${control.group}, ST02 ${control.transactionSet})`,
            { submitted_at: ctx.now });
        }
        const batch: BatchSummary = {
          id: batchId, payerId, fileName, interchangeControl: control.interchange, groupControl: control.group,
          transactionSetControl: control.transactionSet, claimIds: claims.map((c) => c.id), totalCharge, written: false,
        };
        return { batch, held };
      });
    } catch (err) {
      await staged?.abort().catch(() => undefined);
      throw err;
    }
    if (result.batch && staged) result.batch.written = await staged.commit().then(() => true, () => false);
    return result;
  }

  async listBatches(limit: number, before?: string) {
    let q = this.db.selectFrom('claim_batches')
      .select(['id', 'payer_id', 'file_name', 'interchange_control', 'group_control', 'transaction_set_control', 'usage',
        'claim_count', 'total_charge', 'actor', 'created_at'])
      .orderBy('id', 'desc').limit(limit);
    if (before) q = q.where('id', '<', before);
    return (await q.execute()).map((b) => ({
      id: String(b.id), payerId: b.payer_id, fileName: b.file_name, interchangeControl: Number(b.interchange_control),
      groupControl: Number(b.group_control), transactionSetControl: Number(b.transaction_set_control), usage: b.usage,
      claimCount: b.claim_count, totalCharge: String(b.total_charge), actor: b.actor, createdAt: b.created_at,
    }));
  }

  async batchX12(id: string): Promise<{ fileName: string; x12: string } | undefined> {
    const row = await this.db.selectFrom('claim_batches').select(['file_name', 'x12']).where('id', '=', id).executeTakeFirst();
    return row ? { fileName: row.file_name, x12: row.x12 } : undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading inputs

function summaryOf(row: ClaimRow): ClaimSummary {
  const claim = row.claim as Claim;
  return {
    id: String(row.id), controlNumber: row.control_number, status: row.status as ClaimStatus, frequency: row.frequency,
    payerId: row.payer_id, lines: claim.lines.length, totalCharge: String(row.total_charge),
    findings: (row.findings as ScrubFinding[]).length,
  };
}

export async function claimRow(db: Db, id: string): Promise<ClaimRow> {
  const row = await db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new EngineError('NOT_FOUND', `claim ${id} not found`);
  return row;
}

type ChargeColumns = 'id' | 'status' | 'service_date' | 'patient_ref' | 'service_kind' | 'code_system' | 'code' | 'modifiers'
  | 'units' | 'charge_amount' | 'diagnoses' | 'rendering_npi' | 'ordering_npi' | 'ndc' | 'ndc_quantity' | 'ndc_unit' | 'rx_number'
  | 'place_of_service' | 'transaction_id' | 'vfc_eligibility' | 'hold_reason' | 'message_id';

function chargeInput(r: Pick<ChargeRow, ChargeColumns>): ChargeInput {
  return {
    id: String(r.id), status: r.status, serviceDate: r.service_date, patientRef: r.patient_ref, serviceKind: r.service_kind,
    codeSystem: r.code_system, code: r.code, modifiers: r.modifiers, units: String(r.units), chargeAmount: String(r.charge_amount),
    diagnoses: r.diagnoses, renderingNpi: r.rendering_npi, orderingNpi: r.ordering_npi, ndc: r.ndc,
    ndcQuantity: r.ndc_quantity === null ? null : String(r.ndc_quantity), ndcUnit: r.ndc_unit, rxNumber: r.rx_number,
    placeOfService: r.place_of_service, transactionId: r.transaction_id, vfcEligibility: r.vfc_eligibility, holdReason: r.hold_reason,
    messageId: String(r.message_id),
  };
}

const CHARGE_COLUMNS = [
  'ch.id', 'ch.status', 'ch.service_date', 'ch.patient_ref', 'ch.service_kind', 'ch.code_system', 'ch.code', 'ch.modifiers',
  'ch.units', 'ch.charge_amount', 'ch.diagnoses', 'ch.rendering_npi', 'ch.ordering_npi', 'ch.ndc', 'ch.ndc_quantity',
  'ch.ndc_unit', 'ch.rx_number', 'ch.place_of_service', 'ch.transaction_id', 'ch.vfc_eligibility', 'ch.hold_reason',
  'ch.message_id',
] as const;

/**
 * Active charges no claim bills (no active, superseded or dropped line), oldest first; and held charges (never
 * claimed: the build lists them with their reason).
 */
async function loadClaimableCharges(db: Db): Promise<ChargeInput[]> {
  const rows = await db.selectFrom('charges as ch').select(CHARGE_COLUMNS)
    .where('ch.status', 'in', ['active', 'held'])
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('claim_lines as l').select('l.id').whereRef('l.charge_id', '=', 'ch.id')
        .where('l.state', 'in', ['active', 'superseded', 'dropped']))))
    .orderBy('ch.id').execute();
  return rows.map(chargeInput);
}

async function loadChargesById(db: Db, ids: readonly string[]): Promise<Map<string, ChargeInput>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('charges as ch').select(CHARGE_COLUMNS).where('ch.id', 'in', ids as never[]).execute();
  return new Map(rows.map((r) => [String(r.id), chargeInput(r)]));
}

async function loadParties(db: Db, patientRefs: readonly string[]): Promise<{ patients: PatientInput[]; coverages: CoverageInput[] }> {
  if (patientRefs.length === 0) return { patients: [], coverages: [] };
  const refs = [...patientRefs];
  const [patients, coverages] = await Promise.all([
    db.selectFrom('patients').selectAll().where('patient_ref', 'in', refs).execute(),
    db.selectFrom('coverages').selectAll().where('patient_ref', 'in', refs).execute(),
  ]);
  return {
    patients: patients.map((p) => ({
      patientRef: p.patient_ref, familyName: p.family_name, givenName: p.given_name, birthDate: p.birth_date, sex: p.sex,
      addressLine1: p.address_line1, addressLine2: p.address_line2, city: p.city, state: p.state, postalCode: p.postal_code,
    })),
    coverages: coverages.map((c) => ({
      id: String(c.id), patientRef: c.patient_ref, payerId: c.payer_id, payerName: c.payer_name, memberId: c.member_id,
      groupNumber: c.group_number, groupName: c.group_name, planType: c.plan_type, relationship: c.relationship,
      priority: c.priority, effectiveDate: c.effective_date, expirationDate: c.expiration_date,
      asOf: new Date(c.as_of).toISOString(), subscriberFamilyName: c.subscriber_family_name,
      subscriberGivenName: c.subscriber_given_name, subscriberBirthDate: c.subscriber_birth_date, subscriberSex: c.subscriber_sex,
    })),
  };
}

/** A stored claim with the current status of each charge on its lines in `state` (and its original, if a correction). */
async function liveClaim(db: Db, row: ClaimRow, state: 'active' | 'superseded'): Promise<LiveClaim> {
  const lines = await db.selectFrom('claim_lines as l').innerJoin('charges as ch', 'ch.id', 'l.charge_id')
    .select(['l.charge_id', 'ch.status']).where('l.claim_id', '=', row.id).where('l.state', '=', state)
    .orderBy('l.line_number').execute();
  const live: LiveClaim = {
    id: String(row.id), status: row.status as ClaimStatus, coverageId: row.coverage_id, claim: row.claim as Claim,
    lines: lines.map((l): LiveLine => ({ chargeId: String(l.charge_id), chargeStatus: l.status })),
    ...(row.payer_claim_number ? { payerClaimNumber: row.payer_claim_number } : {}),
  };
  if (row.corrects_claim_id && UNSENT_STATUSES.has(live.status)) {
    live.original = await liveClaim(db, await claimRow(db, row.corrects_claim_id), 'superseded');
  }
  return live;
}

/** Claims with an active line whose charge is now reversed. */
async function loadAffectedClaims(trx: Trx): Promise<LiveClaim[]> {
  const rows = await trx.selectFrom('claims as c').selectAll('c')
    .where(({ exists, selectFrom }) => exists(selectFrom('claim_lines as l').innerJoin('charges as ch', 'ch.id', 'l.charge_id')
      .select('l.id').whereRef('l.claim_id', '=', 'c.id').where('l.state', '=', 'active').where('ch.status', '=', 'reversed')))
    .orderBy('c.id').forUpdate().execute();
  const out: LiveClaim[] = [];
  for (const row of rows) out.push(await liveClaim(trx, row, 'active'));
  return out;
}

/**
 * Services billed on other submitted, not voided claims (duplicate detection), preloaded for the patients
 * scrubbed and keyed as src/billing/scrub/billed-service.ts keys them: patient, payer, date of service, code,
 * modifiers and the rendering NPI the stored claim was sent with.
 */
async function claimHistory(db: Db, patientRefs: readonly string[]): Promise<ClaimHistory> {
  const counts = new Map<string, number>();
  if (patientRefs.length > 0) {
    const rows = await db.selectFrom('claim_lines as l').innerJoin('claims as c', 'c.id', 'l.claim_id')
      .select(['c.claim', 'l.line_number', 'l.code', 'l.modifiers', 'l.service_date'])
      .where('c.patient_ref', 'in', [...patientRefs]).where('l.state', '=', 'active')
      .where('c.status', 'in', [...SENT_STATUSES]).where('c.frequency', '!=', '8')
      .execute();
    for (const r of rows) {
      const claim = r.claim as Claim;
      const sent = claim.lines.find((l) => l.lineNumber === r.line_number);
      const key = serviceKey(billedServiceOf(claim, {
        serviceDate: r.service_date, code: r.code, modifiers: r.modifiers, renderingProvider: sent?.renderingProvider,
      }));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return { priorLines: (service) => counts.get(serviceKey(service)) ?? 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** Inserts drafts with fresh ids and control numbers, scrubbed: built (→ draft) then scrubbed (→ held | ready). */
async function insertDrafts(trx: Trx, drafts: readonly ClaimDraft[], ctx: ClaimsContext, why?: string): Promise<ClaimSummary[]> {
  if (drafts.length === 0) return [];
  const ids = await sql<{ id: string }>`
    select nextval(pg_get_serial_sequence('claims', 'id'))::text as id from generate_series(1, ${drafts.length})`.execute(trx);
  // A correction takes over its original's charges: the original's lines are superseded first, so they neither
  // count as earlier billing of the same services (duplicate check) nor block the new lines.
  for (const d of drafts) {
    if (!d.correctsClaimId) continue;
    await trx.updateTable('claim_lines').set({ state: 'superseded' })
      .where('claim_id', '=', d.correctsClaimId).where('state', '=', 'active').execute();
  }
  const history = await claimHistory(trx, [...new Set(drafts.map((d) => d.claim.patient.patientRef))]);
  const claims = drafts.map((d, i): Claim => {
    const id = ids.rows[i]!.id;
    return { id, controlNumber: claimControlNumber(id), ...d.claim };
  });
  const scrubber = await ctx.scrub(trx, claims);
  const out: ClaimSummary[] = [];
  for (const [i, draft] of drafts.entries()) {
    const claim = claims[i]!;
    const id = claim.id;
    const findings = scrubAll(claim, draft.findings, history, scrubber);
    const status = statusAfterScrub(findings);
    const row = await trx.insertInto('claims').values({
      id, control_number: claim.controlNumber, status, frequency: claim.frequency,
      corrects_claim_id: draft.correctsClaimId ?? null, payer_id: claim.payer.id, payer_name: claim.payer.name,
      patient_ref: claim.patient.patientRef, coverage_id: draft.coverageId, service_date: firstDate(claim),
      billing_npi: claim.billingProvider.npi, payer_claim_number: claim.payerClaimNumber ?? null,
      total_charge: claim.totalCharge, claim: JSON.stringify(claim), findings: JSON.stringify(findings),
      override_reason: null, overridden_by: null, overridden_at: null, batch_id: null, submitted_at: null, adjudicated_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('claim_lines').values(claim.lines.map((l) => ({
      claim_id: id, line_number: l.lineNumber, charge_id: l.chargeId, state: 'active' as const, code: l.code,
      modifiers: l.modifiers, units: l.units, charge_amount: l.chargeAmount, service_date: l.serviceDate, service_kind: l.serviceKind,
    }))).execute();
    const built = draft.correctsClaimId
      ? `${claim.frequency === '7' ? 'replacement' : 'void'} (frequency ${claim.frequency}) of claim ${draft.correctsClaimId}${why ? `: ${why}` : ''}`
      : `built from ${claim.lines.length} charge${claim.lines.length === 1 ? '' : 's'}`;
    await addClaimEvent(trx, id, { action: 'build', from: null, to: 'draft', actor: ctx.actor, reason: built });
    await addClaimEvent(trx, id, transition('draft', status, 'scrub', ctx.actor, scrubReason(findings)));
    if (draft.correctsClaimId) {
      const original = await claimRow(trx, draft.correctsClaimId);
      await noteClaim(trx, draft.correctsClaimId, original.status as ClaimStatus, 'replace', ctx.actor,
        `corrected by claim ${id} (frequency ${claim.frequency})${why ? `: ${why}` : ''}`);
    }
    out.push(summaryOf(row));
  }
  return out;
}

function scrubAll(claim: Claim, buildFindings: readonly ScrubFinding[], history: ClaimHistory, scrubber: Scrubber): ScrubFinding[] {
  return [...buildFindings, ...scrubber(claim, history)];
}

function scrubReason(findings: readonly ScrubFinding[]): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const rules = [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))];
  return `${errors} error${errors === 1 ? '' : 's'}, ${count('warning')} warning${count('warning') === 1 ? '' : 's'}`
    + (rules.length > 0 ? ` (${rules.join(', ')})` : '');
}

function firstDate(claim: Pick<Claim, 'lines'>): string {
  return claim.lines.map((l) => l.serviceDate).sort()[0]!;
}

/** Voids an unsent claim because one of its charges was reversed: its lines are released for the next claim. */
async function releaseClaim(trx: Trx, claimId: string, actor: string, reason: string): Promise<void> {
  const row = await claimRow(trx, claimId);
  await moveClaim(trx, claimId, row.status as ClaimStatus, 'voided', 'void', actor, reason);
  await trx.updateTable('claim_lines').set({ state: 'released' }).where('claim_id', '=', claimId).where('state', '=', 'active').execute();
}

/** A correction was voided by an operator: the original bills its charges again, except reversed ones (dropped). */
async function restoreOriginal(trx: Trx, originalId: string, correctionId: string, actor: string): Promise<void> {
  await sql`
    update claim_lines l set state = case when ch.status = 'active' then 'active' else 'dropped' end
      from charges ch
     where ch.id = l.charge_id and l.claim_id = ${originalId} and l.state = 'superseded'`.execute(trx);
  const original = await claimRow(trx, originalId);
  await noteClaim(trx, originalId, original.status as ClaimStatus, 'note', actor,
    `correction ${correctionId} voided: the payer keeps this claim as it was sent`);
}

/** A ready claim the 837P writer refused: held with the writer's reason as an error finding. */
async function holdForWriter(trx: Trx, row: ClaimRow, reason: string, actor: string): Promise<void> {
  const findings = [...(row.findings as ScrubFinding[]), { ruleId: 'x12-writer', severity: 'error' as const, scope: 'claim' as const, message: reason }];
  await trx.updateTable('claims')
    .set({ findings: JSON.stringify(findings), override_reason: null, overridden_by: null, overridden_at: null })
    .where('id', '=', row.id).execute();
  await moveClaim(trx, String(row.id), 'ready', 'held', 'batch', actor, `the 837P writer refused it: ${reason}`);
}

/** The next ISA13/GS06/ST02 of `senderId`, drawn in the caller's transaction (rolled back with it). */
async function nextControlNumbers(trx: Trx, senderId: string): Promise<ControlNumbers> {
  await trx.insertInto('x12_counters').values({ sender_id: senderId }).onConflict((oc) => oc.column('sender_id').doNothing()).execute();
  const row = await trx.updateTable('x12_counters')
    .set({
      interchange: sql`interchange + 1`, group_control: sql`group_control + 1`, transaction_set: sql`transaction_set + 1`,
      updated_at: sql`now()`,
    })
    .where('sender_id', '=', senderId)
    .returning(['interchange', 'group_control', 'transaction_set'])
    .executeTakeFirstOrThrow();
  return { interchange: Number(row.interchange), group: Number(row.group_control), transactionSet: Number(row.transaction_set) };
}

interface Rebuilt {
  claim: Claim;
  findings: ScrubFinding[];
  columns: { payer_id: string; payer_name: string; coverage_id: string | null; total_charge: string; payer_claim_number: string | null };
}

/** A claim rebuilt from its own charges with today's data (see ClaimStore.correct). */
async function rebuildClaim(trx: Trx, row: ClaimRow, config: BillingConfig, payerRules?: PayerRules): Promise<Rebuilt> {
  const stored = row.claim as Claim;
  const columns = (claim: Claim, coverageId: string | null) => ({
    payer_id: claim.payer.id, payer_name: claim.payer.name, coverage_id: coverageId, total_charge: claim.totalCharge,
    payer_claim_number: claim.payerClaimNumber ?? null,
  });
  if (row.frequency !== '1') {
    const original = row.corrects_claim_id ? await claimRow(trx, row.corrects_claim_id) : undefined;
    const number = original?.payer_claim_number ?? row.payer_claim_number ?? undefined;
    const claim: Claim = { ...stored, ...(number ? { payerClaimNumber: number } : {}) };
    return { claim, findings: [], columns: columns(claim, row.coverage_id) };
  }
  const lines = await trx.selectFrom('claim_lines').select(['charge_id']).where('claim_id', '=', row.id)
    .where('state', '=', 'active').orderBy('line_number').execute();
  const chargeMap = await loadChargesById(trx, lines.map((l) => String(l.charge_id)));
  const charges = lines.map((l) => chargeMap.get(String(l.charge_id))!);
  if (charges.length === 0 || charges.some((c) => c.status !== 'active')) {
    throw new EngineError('CONFLICT', `a charge of claim ${row.id} was reversed: run a build (POST /api/claims/build), which replaces the claim`);
  }
  const { patients, coverages } = await loadParties(trx, [row.patient_ref]);
  const routed = routeCharge(charges[0]!, coverages, config);
  if ('reason' in routed) {
    const finding: ScrubFinding = { ruleId: 'claim-route', severity: 'error', scope: 'claim', message: routed.message };
    return { claim: stored, findings: [finding], columns: columns(stored, row.coverage_id) };
  }
  const providers = providerDirectory(config.providers, await loadProvidersForCharges(trx, charges));
  const built = claimFromCharges(charges, patients[0], routed.coverage, routed.payer, config, payerRules ?? NO_PAYER_RULES, providers);
  const claim: Claim = { id: String(row.id), controlNumber: row.control_number, ...built.claim };
  return { claim, findings: built.findings, columns: columns(claim, routed.coverage.id) };
}

/** Scrubs a stored claim again: status → draft → held | ready, with the new snapshot; any override is cleared. */
async function rescrub(
  trx: Trx, row: ClaimRow, claim: Claim, buildFindings: readonly ScrubFinding[], ctx: ClaimsContext, action: ClaimAction,
  reason: string, columns: Rebuilt['columns'],
): Promise<void> {
  const from = row.status as ClaimStatus;
  const history = await claimHistory(trx, [claim.patient.patientRef]);
  const findings = scrubAll(claim, buildFindings, history, await ctx.scrub(trx, [claim]));
  const to = statusAfterScrub(findings);
  await trx.updateTable('claims').set({
    ...columns, claim: JSON.stringify(claim), findings: JSON.stringify(findings),
    override_reason: null, overridden_by: null, overridden_at: null, updated_at: sql`now()`,
  }).where('id', '=', row.id).execute();
  if (from !== 'draft') await moveClaim(trx, String(row.id), from, 'draft', action, ctx.actor, reason);
  await moveClaim(trx, String(row.id), 'draft', to, 'scrub', ctx.actor, scrubReason(findings));
}

/** Held corrections whose original's payer claim number has arrived since: scrubbed again with it. */
async function rescrubWaitingCorrections(trx: Trx, ctx: ClaimsContext): Promise<ClaimSummary[]> {
  const rows = await trx.selectFrom('claims as c').innerJoin('claims as o', 'o.id', 'c.corrects_claim_id')
    .selectAll('c').where('c.status', '=', 'held').where('c.payer_claim_number', 'is', null)
    .where('o.payer_claim_number', 'is not', null).orderBy('c.id').execute();
  const out: ClaimSummary[] = [];
  for (const row of rows) {
    const rebuilt = await rebuildClaim(trx, row, ctx.config, ctx.payerRules);
    await rescrub(trx, row, rebuilt.claim, rebuilt.findings, ctx, 'correct', 'the payer claim number of the corrected claim arrived', rebuilt.columns);
    out.push(summaryOf(await claimRow(trx, String(row.id))));
  }
  return out;
}

/** The payments recorded for a claim, newest last, with their lines and adjustments. */
async function claimPayments(db: Db, claimId: string) {
  const payments = await db.selectFrom('claim_payments as p').innerJoin('remittances as r', 'r.id', 'p.remittance_id')
    .select(['p.id', 'r.trace_number', 'r.payment_date', 'r.received_at', 'r.payer_name', 'p.status_code', 'p.outcome', 'p.payer_role',
      'p.charge', 'p.paid', 'p.patient_responsibility', 'p.payer_claim_number', 'p.days_to_payment'])
    .where('p.claim_id', '=', claimId).orderBy('p.id').execute();
  if (payments.length === 0) return [];
  const ids = payments.map((p) => String(p.id));
  const [lines, adjustments] = await Promise.all([
    db.selectFrom('line_payments').selectAll().where('claim_payment_id', 'in', ids).orderBy('id').execute(),
    db.selectFrom('payment_adjustments').selectAll().where('claim_payment_id', 'in', ids).orderBy('id').execute(),
  ]);
  const adj = (a: (typeof adjustments)[number]) => ({
    group: a.group_code, reason: a.reason, amount: String(a.amount), ...(a.quantity !== null ? { quantity: String(a.quantity) } : {}),
  });
  return payments.map((p) => ({
    traceNumber: p.trace_number, paymentDate: p.payment_date, receivedAt: p.received_at, payerName: p.payer_name,
    role: p.payer_role ?? 'claim-payer', statusCode: p.status_code,
    outcome: p.outcome, charge: String(p.charge), paid: String(p.paid), patientResponsibility: String(p.patient_responsibility),
    payerClaimNumber: p.payer_claim_number, daysToPayment: p.days_to_payment,
    adjustments: adjustments.filter((a) => a.claim_payment_id === p.id && a.line_payment_id === null).map(adj),
    lines: lines.filter((l) => l.claim_payment_id === p.id).map((l) => ({
      lineNumber: l.line_number, code: l.code, outcome: l.outcome, charge: String(l.charge), paid: String(l.paid),
      unitsPaid: l.units_paid === null ? null : String(l.units_paid),
      adjustments: adjustments.filter((a) => a.line_payment_id === l.id).map(adj),
    })),
  }));
}
