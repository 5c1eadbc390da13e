/**
 * The eligibility API (registered by app.ts inside its bearer-token scope; docs/billing.md "Eligibility (270/271)"):
 *   POST /api/eligibility/inquiries {patients?}   270s for the unclaimed charges' patients (or those given), one per
 *                                                 payer: the files and the check ids
 *   POST /api/eligibility                         a 271 (text/plain, application/edi-x12 or {x12}) → what changed
 *   GET  /api/eligibility?patient=&before=&limit= checks, newest first, with their latest answer
 *   GET  /api/eligibility/files/:id/x12           a 270 sent or 271 posted, as text
 *   POST /api/eligibility/release {chargeIds}     charges an eligibility answer held become active again
 *
 * Access: role `billing` (eligibility is patient data). Audited: inquiries (file and check ids), each 271 posted (file
 * id, counts) and each coverage it changed (`eligibility.coverage`: the coverage id and which fields, never the
 * values: a member id before and after stays in the check's record), list views by patient (as every patient search)
 * file downloads and releases (the charge ids).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ClaimsService } from '../store/claims-service';
import { actorOf, audit, role } from './auth';
import { auditPatientSearch, checkPatientSearch } from './patient-search';
import { pageLimit, parse, patientFilter, rowId, rowIdParams } from './validate';
import type { EligibilityCheckRow, EligibilityInquiryRun, EligibilityPosted, EligibilityReleased } from './wire/eligibility';
import { sends } from './wire/json';

export type EligibilityApi = Pick<
  ClaimsService,
  'eligibilityInquiries' | 'postEligibilityResponses' | 'eligibilityChecks' | 'eligibilityFile' | 'releaseEligibilityHolds'
>;

const BILLING = role('billing');
const X12_TYPES = ['application/edi-x12', 'application/x12'];
const MAX_X12_BYTES = 10 * 1024 * 1024;

const inquiriesBody = z.strictObject({ patients: z.array(z.string().trim().min(1).max(100)).min(1).max(1000).optional() }).optional();
const x12Body = z.union([z.string().min(1).max(MAX_X12_BYTES), z.strictObject({ x12: z.string().min(1).max(MAX_X12_BYTES) })]);
const releaseBody = z.strictObject({ chargeIds: z.array(rowId).min(1).max(1000) });
const listQuery = z.strictObject({ patient: patientFilter.optional(), before: rowId.optional(), limit: pageLimit });

export function registerEligibilityRoutes(api: FastifyInstance, eligibility: EligibilityApi): void {
  for (const type of X12_TYPES) {
    if (!api.hasContentTypeParser(type)) {
      api.addContentTypeParser(type, { parseAs: 'string', bodyLimit: MAX_X12_BYTES }, (_req, body, done) => done(null, body));
    }
  }

  api.post('/api/eligibility/inquiries', BILLING, async (req, reply) => {
    const body = parse(inquiriesBody, req.body ?? undefined, 'body');
    const run = sends<EligibilityInquiryRun>()(await eligibility.eligibilityInquiries(actorOf(req), body?.patients));
    for (const f of run.files) {
      await audit(req, 'eligibility.inquiry', { type: 'eligibility-file', id: f.id }, { payer: f.payerId, checks: f.checkIds });
    }
    return reply.status(run.files.length > 0 ? 201 : 200).send(run);
  });

  api.post('/api/eligibility', BILLING, async (req, reply) => {
    const parsed = parse(x12Body, req.body, 'body');
    const text = typeof parsed === 'string' ? parsed : parsed.x12;
    const posted = sends<EligibilityPosted>()(await eligibility.postEligibilityResponses(text, actorOf(req)));
    await audit(
      req,
      'eligibility.response',
      { type: 'eligibility-file', id: posted.fileId },
      { checks: posted.answers.map((a) => a.checkId), unmatched: posted.unmatched },
    );
    for (const a of posted.answers) {
      const fields = [
        ...(a.coverageEnded ? ['expiration_date'] : []),
        ...(a.memberIdChanged ? ['member_id'] : []),
        ...(a.reordered ? ['confirmed_priority'] : []),
      ];
      if (fields.length > 0 || a.heldCharges.length > 0) {
        await audit(
          req,
          'eligibility.coverage',
          { type: 'coverage', id: a.coverageId },
          { check: a.checkId, fields, heldCharges: a.heldCharges, ...(a.reordered ? { primary: a.reordered.primaryCoverageId } : {}) },
        );
      }
    }
    return reply.status(201).send(posted);
  });

  api.post('/api/eligibility/release', BILLING, async (req) => {
    const { chargeIds } = parse(releaseBody, req.body, 'body');
    const result = sends<EligibilityReleased>()(await eligibility.releaseEligibilityHolds(chargeIds));
    await audit(req, 'eligibility.release', undefined, { asked: chargeIds, released: result.released });
    return result;
  });

  api.get('/api/eligibility', BILLING, async (req) => {
    const q = parse(listQuery, req.query, 'query');
    checkPatientSearch(req, q.patient);
    const checks = sends<EligibilityCheckRow[]>()(await eligibility.eligibilityChecks(q));
    await auditPatientSearch(req, 'eligibility', q.patient, checks);
    return { checks, next: checks.length < q.limit ? null : checks[checks.length - 1]!.id };
  });

  api.get('/api/eligibility/files/:id/x12', BILLING, async (req, reply) => {
    const { id } = parse(rowIdParams, req.params, 'file id');
    const file = await eligibility.eligibilityFile(id);
    if (!file) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `eligibility file ${id} not found` } });
    await audit(req, 'eligibility.file.download', { type: 'eligibility-file', id });
    return reply
      .type('application/edi-x12; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file.fileName}"`)
      .send(file.x12);
  });
}
