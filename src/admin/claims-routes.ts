/**
 * The claims API (registered by app.ts inside its bearer-token scope; docs/billing.md "API"):
 *   POST /api/claims/build                 build claims from unclaimed charges, scrub them → ready | held
 *   GET  /api/claims/unclaimed             charges a build leaves unclaimed now, and why
 *   GET  /api/claims?status=&payer=&patient=&before=&limit=   rows (date of service; patient reference for operator+,
 *                                          audited claim.list.view) and count/amount per status of the whole filter
 *   GET  /api/claims/:id                   lines, findings, history, payments, corrections, batch
 *   POST /api/claims/:id/override {reason} held → ready (audited)
 *   PATCH /api/claims/:id {diagnoses?, placeOfService?, lines?: [{lineNumber, modifiers?, units?}]}
 *                                          edit a held, ready or rejected claim; kept for rebuilds, scrubbed again
 *   POST /api/claims/:id/correct           rebuild from today's data and scrub again
 *   POST /api/claims/:id/replace           a sent claim + its encounter's late charges → replacement (frequency 7)
 *   POST /api/claims/:id/void {reason}     unsent: voided; sent: a void claim (frequency 8) is built
 *   POST /api/claims/:id/close {reason?}   paid | partial | denied → closed
 *   POST /api/claims/batches {payer?}      one 837P per payer from its batchable claims, also written to the outbox
 *   GET  /api/claims/batches               newest first
 *   GET  /api/claims/batches/:id/x12       the file as sent
 *   POST /api/claims/batches/:id/transfer/retry   the batch's unsent upload to the clearinghouse due now (audited)
 *   POST /api/remittances                  raw 835 (text/plain or application/edi-x12) → recorded, or 422
 *   GET  /api/remittances/unmatched?before=&limit=   CLPs that named no claim of ours, not matched yet
 *   POST /api/remittances/unmatched/:id/match {claimId}   post one to a claim by hand (audited)
 *   GET  /api/remittances?payer=&since=&until=&trace=&before=&limit=   newest first, with per-file totals
 *   GET  /api/remittances/:id              a remittance: its claim payments (roles, matched) and PLB adjustments
 *   POST /api/remittances/:id/withdraw {reason}   undo a remittance posted by mistake (audited), or 409 naming the claim
 *   POST /api/acknowledgments              raw 999/997 or 277CA → claim statuses; the file and its per-claim
 *                                          detail (IK3/IK4 errors, STC codes) kept and shown in GET /api/claims/:id
 *   GET  /api/acknowledgments/:id/x12      the acknowledgment file as received
 *   GET  /api/reports/revenue?by=service|payer|month   rows, plus unmatched money and PLB adjustments
 *   GET  /api/reports/payers
 *   GET  /api/reports/aging?asOf=          open balances by payer, 0-30 … 120+ days since first sent
 *   GET  /api/reports/denials              denials by CARC and by RARC, per payer: count, amount, meaning
 *   GET  /api/reports/rejections           999 and 277CA rejections per payer and month
 *   Every report takes since=&until= (YYYY-MM-DD, both included) and format=csv (a download, audited reports.export).
 *   GET  /api/reports/missed-charges?since=&until=&limit=   billable messages that ended without a charge, and why
 *
 * Access (auth.ts): every route needs role `billing` (claims carry patient data; reports are billing's), except
 * the claims list (GET /api/claims), which a viewer may read — searching it by patient needs operator and is audited,
 * as every patient search (patient-search.ts; docs/security.md). The
 * caller is recorded as the actor of each claim event. Audited: override, edit, void, correct, replace, close, build,
 * batches, remittances, withdraws, hand matches and acknowledgments (ids, counts, rule ids and the fields edited only; the
 * operator's reason and the values before → after stay in claim history).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ClaimsService } from '../store/claims-service';
import { actorOf, audit, hasRole, principalOf, role } from './auth';
import { auditPatientSearch, checkPatientSearch, PATIENT_SEARCH_ROLE } from './patient-search';
import { dateOrTimestamp, pageLimit, parse, patientFilter, rowId, rowIdParams } from './validate';
import {
  CLAIM_STATUSES,
  type AcknowledgmentSummary,
  type AgingRow,
  type DenialReport,
  type RejectionRow,
  type BatchRow,
  type BatchRun,
  type BuildSummary,
  type ClaimActionResult,
  type ClaimDetail,
  type ClaimEdited,
  type ClaimListRow,
  type ClaimStatusTotal,
  type MatchResult,
  type MissedCharge,
  type PayerRow,
  type RemittanceDetail,
  type RemittanceListRow,
  type RemittanceSummary,
  type RemittanceWithdrawn,
  type RevenueReport,
  type Unclaimed,
  type UnmatchedPayment,
} from './wire/claims';
import { sends } from './wire/json';
import { agingCsv, denialsCsv, missedChargesCsv, payersCsv, rejectionsCsv, revenueCsv } from './report-csv';

export type ClaimsApi = Pick<
  ClaimsService,
  | 'build'
  | 'unclaimed'
  | 'list'
  | 'listWithTotals'
  | 'get'
  | 'override'
  | 'edit'
  | 'void'
  | 'correct'
  | 'replace'
  | 'close'
  | 'createBatches'
  | 'listBatches'
  | 'batchX12'
  | 'retryTransfer'
  | 'recordRemittances'
  | 'recordAcknowledgments'
  | 'acknowledgmentX12'
  | 'revenue'
  | 'payers'
  | 'aging'
  | 'denials'
  | 'rejections'
  | 'payerName'
  | 'missedCharges'
  | 'unmatchedRemittances'
  | 'matchRemittance'
  | 'remittance'
  | 'remittances'
  | 'withdrawRemittance'
  | 'remittanceTotals'
>;

const BILLING = role('billing');
const X12_TYPES = ['application/edi-x12', 'application/x12'];
const MAX_X12_BYTES = 10 * 1024 * 1024;

const payer = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9-]+$/, 'must be a payer id');
const reason = z.string().trim().min(3, 'give a reason of a few words').max(500);

const listQuery = z.strictObject({
  status: z.enum(CLAIM_STATUSES).optional(),
  payer: payer.optional(),
  patient: patientFilter.optional(),
  batch: rowId.optional(),
  before: rowId.optional(),
  limit: pageLimit,
});
const batchesQuery = z.strictObject({ before: rowId.optional(), limit: pageLimit });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const remittancesQuery = z.strictObject({
  payer: payer.optional(),
  since: isoDate.optional(),
  until: isoDate.optional(),
  trace: z.string().trim().min(1).max(80).optional(),
  before: rowId.optional(),
  limit: pageLimit,
});
const matchBody = z.strictObject({ claimId: rowId });
const reasonBody = z.strictObject({ reason });
const closeBody = z.strictObject({ reason: z.string().trim().max(500).optional() }).optional();
const batchBody = z.strictObject({ payer: payer.optional() }).optional();
const x12Body = z.union([z.string().min(1).max(MAX_X12_BYTES), z.strictObject({ x12: z.string().min(1).max(MAX_X12_BYTES) })]);
const editBody = z
  .strictObject({
    diagnoses: z.array(z.string().trim().min(1).max(8)).min(1).max(12).optional(),
    placeOfService: z
      .string()
      .trim()
      .regex(/^\d{2}$/, 'must be a two-digit place-of-service code')
      .optional(),
    lines: z
      .array(
        z.strictObject({
          lineNumber: z.number().int().min(1).max(50),
          modifiers: z
            .array(
              z
                .string()
                .trim()
                .regex(/^[A-Za-z0-9]{2}$/, 'must be a two-character modifier'),
            )
            .max(4)
            .optional(),
          units: z.union([z.string().trim(), z.number().positive()]).transform(String).optional(),
        }),
      )
      .min(1)
      .max(50)
      .optional(),
  })
  .refine(
    (b) => b.diagnoses !== undefined || b.placeOfService !== undefined || b.lines !== undefined,
    'give diagnoses, placeOfService or lines',
  );
/** Every report: an optional date range (both ends included) and `format=csv` for a download. */
const reportFields = {
  since: isoDate.optional(),
  until: isoDate.optional(),
  format: z.enum(['json', 'csv']).default('json'),
};
const rangeOf = (q: { since?: string | undefined; until?: string | undefined }) => ({
  ...(q.since ? { since: q.since } : {}),
  ...(q.until ? { until: q.until } : {}),
});
const revenueQuery = z.strictObject({ by: z.enum(['service', 'payer', 'month']).default('service'), ...reportFields });
const reportQuery = z.strictObject(reportFields);
const agingQuery = z.strictObject({ ...reportFields, asOf: isoDate.optional() });
const missedQuery = z.strictObject({
  format: z.enum(['json', 'csv']).default('json'),
  since: dateOrTimestamp.optional(),
  until: dateOrTimestamp.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

const labelOf = (name: string | undefined) => (name ? { label: name } : {});

/** A report as a CSV download, its export audited (which report and range; reports carry no patient data). */
async function csv(req: FastifyRequest, reply: FastifyReply, name: string, q: { since?: string; until?: string }, text: string) {
  await audit(req, 'reports.export', undefined, { report: name, since: q.since ?? null, until: q.until ?? null });
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="rxbridge-${name}.csv"`).send(text);
}

const textOf = (body: z.infer<typeof x12Body>): string => (typeof body === 'string' ? body : body.x12);

export function registerClaimsRoutes(api: FastifyInstance, claims: ClaimsApi): void {
  // A raw X12 body: curl --data-binary @remit.835 -H 'content-type: application/edi-x12' (text/plain works too).
  api.addContentTypeParser(X12_TYPES, { parseAs: 'string', bodyLimit: MAX_X12_BYTES }, (_req, body, done) => done(null, body));

  api.post('/api/claims/build', BILLING, async (req) => {
    const built = sends<BuildSummary>()(await claims.build(actorOf(req)));
    await audit(req, 'claims.build', undefined, {
      created: built.created.length,
      held: built.held.length,
      excluded: built.excluded.length,
      released: built.released.length,
    });
    return built;
  });

  api.get('/api/claims/unclaimed', BILLING, async () => sends<Unclaimed>()(await claims.unclaimed()));

  api.get('/api/claims', role('viewer'), async (req) => {
    // the list (no message bodies) is a viewer's right
    const q = parse(listQuery, req.query, 'query');
    checkPatientSearch(req, q.patient);
    const found = await claims.listWithTotals(q);
    // The patient reference is patient data: shown to operator and above, and that view audited (ids only).
    const seesPatients = hasRole(principalOf(req).role, PATIENT_SEARCH_ROLE);
    const list = sends<ClaimListRow[]>()(found.claims.map((c) => ({ ...c, patientRef: seesPatients ? c.patientRef : null })));
    await auditPatientSearch(req, 'claim', q.patient, list);
    if (seesPatients && q.patient === undefined && list.length > 0) {
      await audit(req, 'claim.list.view', undefined, { patients: true, ids: list.map((c) => c.id) });
    }
    return {
      claims: list,
      next: list.length < q.limit ? null : list[list.length - 1]!.id,
      totals: sends<ClaimStatusTotal[]>()(found.totals),
    };
  });

  api.post('/api/claims/batches', BILLING, async (req, reply) => {
    const body = parse(batchBody, req.body ?? undefined, 'body');
    const run = sends<BatchRun>()(await claims.createBatches(actorOf(req), body?.payer));
    for (const b of run.batches) {
      await audit(
        req,
        'claims.batch',
        { type: 'batch', id: b.id },
        {
          payer: b.payerId,
          claims: b.claimIds.length,
          interchange: b.interchangeControl,
          file: b.fileName,
        },
      );
    }
    return reply.status(run.batches.length > 0 ? 201 : 200).send(run);
  });

  api.get('/api/claims/batches', BILLING, async (req) => {
    const q = parse(batchesQuery, req.query, 'query');
    const batches = sends<BatchRow[]>()(await claims.listBatches(q.limit, q.before));
    return { batches, next: batches.length < q.limit ? null : batches[batches.length - 1]!.id };
  });

  api.post('/api/claims/batches/:id/transfer/retry', BILLING, async (req, reply) => {
    const { id: batchId } = parse(rowIdParams, req.params, 'batch id');
    await claims.retryTransfer(batchId);
    await audit(req, 'claims.batch.retry', { type: 'batch', id: batchId });
    return reply.status(202).send({ batchId });
  });

  api.get('/api/claims/batches/:id/x12', BILLING, async (req, reply) => {
    const { id: batchId } = parse(rowIdParams, req.params, 'batch id');
    const batch = await claims.batchX12(batchId);
    if (!batch) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `batch ${batchId} not found` } });
    await audit(req, 'claims.batch.download', { type: 'batch', id: batchId });
    return reply
      .type('application/edi-x12; charset=utf-8')
      .header('content-disposition', `attachment; filename="${batch.fileName}"`)
      .send(batch.x12);
  });

  api.get('/api/claims/:id', BILLING, async (req, reply) => {
    const { id: claimId } = parse(rowIdParams, req.params, 'claim id');
    const claim = await claims.get(claimId);
    if (!claim) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `claim ${claimId} not found` } });
    return sends<ClaimDetail>()(claim);
  });

  api.post('/api/claims/:id/override', BILLING, async (req) => {
    const { id: claimId } = parse(rowIdParams, req.params, 'claim id');
    const body = parse(reasonBody, req.body, 'body');
    const result = sends<ClaimActionResult>()(await claims.override(claimId, body.reason, actorOf(req)));
    await audit(req, 'claims.override', { type: 'claim', id: claimId }, { findings: result.findings });
    return result;
  });

  api.patch('/api/claims/:id', BILLING, async (req) => {
    const { id: claimId } = parse(rowIdParams, req.params, 'claim id');
    const body = parse(editBody, req.body, 'body');
    const result = sends<ClaimEdited>()(await claims.edit(claimId, body, actorOf(req)));
    await audit(
      req,
      'claims.edit',
      { type: 'claim', id: claimId },
      {
        fields: [
          ...(body.diagnoses ? ['diagnoses'] : []),
          ...(body.placeOfService ? ['placeOfService'] : []),
          ...(body.lines ? body.lines.map((l) => `line ${l.lineNumber}`) : []),
        ],
        status: result.status,
      },
    );
    return result;
  });

  api.post('/api/claims/:id/correct', BILLING, async (req) => {
    const { id: claimId } = parse(rowIdParams, req.params, 'claim id');
    const result = sends<ClaimActionResult>()(await claims.correct(claimId, actorOf(req)));
    await audit(req, 'claims.correct', { type: 'claim', id: claimId }, { status: result.status });
    return result;
  });

  api.post('/api/claims/:id/replace', BILLING, async (req, reply) => {
    const { id: claimId } = parse(rowIdParams, req.params, 'claim id');
    const result = sends<ClaimActionResult>()(await claims.replace(claimId, actorOf(req)));
    await audit(
      req,
      'claims.replace',
      { type: 'claim', id: claimId },
      {
        replacement: result.replacement.id,
        charges: result.addedCharges.length,
        status: result.replacement.status,
      },
    );
    return reply.status(201).send(result);
  });

  api.post('/api/claims/:id/void', BILLING, async (req) => {
    const { id: claimId } = parse(rowIdParams, req.params, 'claim id');
    const body = parse(reasonBody, req.body, 'body');
    const result = sends<ClaimActionResult>()(await claims.void(claimId, body.reason, actorOf(req)));
    await audit(req, 'claims.void', { type: 'claim', id: claimId }, { voidClaim: result.voidClaim?.id ?? null });
    return result;
  });

  api.post('/api/claims/:id/close', BILLING, async (req) => {
    const { id: claimId } = parse(rowIdParams, req.params, 'claim id');
    const body = parse(closeBody, req.body ?? undefined, 'body');
    const result = sends<ClaimActionResult>()(await claims.close(claimId, body?.reason ?? '', actorOf(req)));
    await audit(req, 'claims.close', { type: 'claim', id: claimId });
    return result;
  });

  api.post('/api/remittances', BILLING, async (req, reply) => {
    const text = textOf(parse(x12Body, req.body, 'body'));
    const remittances = sends<RemittanceSummary[]>()(await claims.recordRemittances(text, actorOf(req)));
    for (const r of remittances) {
      await audit(
        req,
        'claims.remittance',
        { type: 'remittance', id: r.id },
        {
          trace: r.traceNumber,
          claims: r.claims.length,
          unmatched: r.unmatched.length,
        },
      );
    }
    return reply.status(201).send({ remittances });
  });

  api.get('/api/remittances/unmatched', BILLING, async (req) => {
    const q = parse(batchesQuery, req.query, 'query');
    const payments = sends<UnmatchedPayment[]>()(await claims.unmatchedRemittances(q.limit, q.before));
    return { payments, next: payments.length < q.limit ? null : payments[payments.length - 1]!.id };
  });

  api.post('/api/remittances/unmatched/:id/match', BILLING, async (req) => {
    const { id: paymentId } = parse(rowIdParams, req.params, 'payment id');
    const { claimId } = parse(matchBody, req.body, 'body');
    const result = sends<MatchResult>()(await claims.matchRemittance(paymentId, claimId, actorOf(req)));
    await audit(
      req,
      'claims.remittance.match',
      { type: 'claim', id: claimId },
      {
        unmatchedPayment: paymentId,
        payment: result.paymentId,
        role: result.role,
        outcome: result.outcome,
        status: result.status,
      },
    );
    return result;
  });

  api.get('/api/remittances', BILLING, async (req) => {
    const q = parse(remittancesQuery, req.query, 'query');
    const remittances = sends<RemittanceListRow[]>()(await claims.remittances(q));
    return { remittances, next: remittances.length < q.limit ? null : remittances[remittances.length - 1]!.id };
  });

  api.get('/api/remittances/:id', BILLING, async (req, reply) => {
    const { id: remittanceId } = parse(rowIdParams, req.params, 'remittance id');
    const remittance = await claims.remittance(remittanceId);
    if (!remittance) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `remittance ${remittanceId} not found` } });
    return sends<RemittanceDetail>()(remittance);
  });

  api.post('/api/remittances/:id/withdraw', BILLING, async (req) => {
    const { id: remittanceId } = parse(rowIdParams, req.params, 'remittance id');
    const body = parse(reasonBody, req.body, 'body');
    const result = sends<RemittanceWithdrawn>()(await claims.withdrawRemittance(remittanceId, body.reason, actorOf(req)));
    await audit(
      req,
      'claims.remittance.withdraw',
      { type: 'remittance', id: remittanceId },
      {
        trace: result.traceNumber,
        claims: result.claims.length,
        voidedClaims: result.voidedClaims.length,
        unmatchedRemoved: result.unmatchedRemoved,
      },
    );
    return result;
  });

  api.post('/api/acknowledgments', BILLING, async (req) => {
    const text = textOf(parse(x12Body, req.body, 'body'));
    const result = sends<AcknowledgmentSummary>()(await claims.recordAcknowledgments(text, actorOf(req)));
    await audit(req, 'claims.acknowledgment', undefined, { batches: result.batches.length, claims: result.claims.length });
    return result;
  });

  api.get('/api/acknowledgments/:id/x12', BILLING, async (req, reply) => {
    const { id: ackId } = parse(rowIdParams, req.params, 'acknowledgment id');
    const ack = await claims.acknowledgmentX12(ackId);
    if (!ack) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `acknowledgment ${ackId} not found` } });
    return reply.type('application/edi-x12; charset=utf-8').send(ack.x12);
  });

  api.get('/api/reports/revenue', BILLING, async (req, reply) => {
    const q = parse(revenueQuery, req.query, 'query');
    const range = rangeOf(q);
    const [found, totals] = await Promise.all([claims.revenue(q.by, range), claims.remittanceTotals(range)]);
    const rows = q.by === 'payer' ? found.map((r) => ({ ...r, ...labelOf(claims.payerName(r.key)) })) : found;
    if (q.format === 'csv') return csv(req, reply, `revenue-by-${q.by}`, q, revenueCsv(q.by, rows));
    return sends<RevenueReport>()({ by: q.by, rows, unmatched: totals.unmatched, providerAdjustments: totals.providerAdjustments });
  });

  api.get('/api/reports/payers', BILLING, async (req, reply) => {
    const q = parse(reportQuery, req.query, 'query');
    const payers = sends<PayerRow[]>()(await claims.payers(rangeOf(q)));
    if (q.format === 'csv') return csv(req, reply, 'payers', q, payersCsv(payers));
    return { payers };
  });

  api.get('/api/reports/aging', BILLING, async (req, reply) => {
    const q = parse(agingQuery, req.query, 'query');
    const asOf = q.asOf ?? new Date().toISOString().slice(0, 10);
    const payers = sends<AgingRow[]>()(await claims.aging(asOf, rangeOf(q)));
    if (q.format === 'csv') return csv(req, reply, `aging-${asOf}`, q, agingCsv(payers));
    return { asOf, payers };
  });

  api.get('/api/reports/denials', BILLING, async (req, reply) => {
    const q = parse(reportQuery, req.query, 'query');
    const report = sends<DenialReport>()(await claims.denials(rangeOf(q)));
    if (q.format === 'csv') return csv(req, reply, 'denials', q, denialsCsv(report));
    return report;
  });

  api.get('/api/reports/rejections', BILLING, async (req, reply) => {
    const q = parse(reportQuery, req.query, 'query');
    const rows = sends<RejectionRow[]>()(await claims.rejections(rangeOf(q)));
    if (q.format === 'csv') return csv(req, reply, 'rejections', q, rejectionsCsv(rows));
    return { rows };
  });

  // Ids, types, control ids, statuses and reasons only: never a message body or patient data.
  api.get('/api/reports/missed-charges', BILLING, async (req, reply) => {
    const query = parse(missedQuery, req.query, 'query');
    const messages = sends<MissedCharge[]>()(await claims.missedCharges(query));
    if (query.format === 'csv') return csv(req, reply, 'missed-charges', {}, missedChargesCsv(messages));
    return { since: query.since ?? null, until: query.until ?? null, messages };
  });
}
