/**
 * The billing configuration routes (registered by app.ts inside its bearer-token scope; docs/billing.md):
 * - `POST /api/billing/reload` (admin): re-reads billing.yaml and puts it in force without a restart, here and, through
 *   a notice on Redis, in every other engine process. 200 BillingReloaded; 422 CONFIG_INVALID with `issues`
 *   (file, line, col, the full key, reason, text) when the file does not validate: the configuration in force stays.
 *   Audited as `billing.reload` (payers added and removed).
 * - `GET /api/billing/unknown-payers` (billing): the payer ids incoming coverages carry that billing does not know,
 *   with counts of patients and waiting charges and first/last seen; no patient data.
 * - `POST /api/billing/payers` (admin): "add this payer": writes the payer into billing.yaml (comments and layout
 *   kept, atomically), reloads it as above, and answers PayerAdded; the waiting charges are claimed by the next claim
 *   build. 409 CONFLICT when the id is already there, 400 when the schema refuses the values, 503
 *   DIRECTORY_NOT_WRITABLE when the billing folder is read-only. Audited as `billing.payer.add`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { BillingReloadResult } from '../billing/reload';
import { audit, role } from './auth';
import { parse } from './validate';
import type { AddPayerRequest, BillingFileIssue, BillingReloaded, PayerAdded, UnknownPayers } from './wire/billing';
import { sends } from './wire/json';

export interface BillingApi {
  /** Reloads this process's billing.yaml and, when it applied, tells the other processes. */
  reload(): Promise<BillingReloadResult>;
  unknownPayers(): Promise<UnknownPayers>;
  /** Writes the payer into billing.yaml, then reloads it everywhere; throws EngineError when it cannot be added. */
  addPayer(payer: AddPayerRequest): Promise<{ file: string; reload: BillingReloadResult }>;
}

const text = (max: number) => z.string().trim().min(1).max(max);
const addPayerBody = z.strictObject({
  id: text(80),
  name: text(60),
  filingIndicator: text(2),
  feedId: text(80).optional(),
});

export function registerBillingRoutes(api: FastifyInstance, billing: BillingApi): void {
  api.post('/api/billing/reload', role('admin'), async (req, reply) => {
    const result = await billing.reload();
    if (!result.ok) return refused(reply, result);
    await audit(req, 'billing.reload', undefined, { added: result.added, removed: result.removed, payers: result.payers.length });
    return sends<BillingReloaded>()(reloaded(result));
  });

  api.get('/api/billing/unknown-payers', role('billing'), async () => sends<UnknownPayers>()(await billing.unknownPayers()));

  api.post('/api/billing/payers', role('admin'), async (req, reply) => {
    const body = parse(addPayerBody, req.body, 'body');
    const { file, reload } = await billing.addPayer(body);
    await audit(
      req,
      'billing.payer.add',
      { type: 'payer', id: body.id },
      {
        name: body.name,
        filingIndicator: body.filingIndicator,
        feedId: body.feedId ?? null,
        file,
      },
    );
    if (!reload.ok) return refused(reply, reload);
    return sends<PayerAdded>()({ id: body.id, file, reload: reloaded(reload) });
  });
}

function reloaded(result: Extract<BillingReloadResult, { ok: true }>): BillingReloaded {
  const { file, configured, payers, added, removed } = result;
  return { file, configured, payers, added, removed };
}

function refused(reply: FastifyReply, result: Extract<BillingReloadResult, { ok: false }>) {
  const n = result.issues.length;
  return reply.status(422).send({
    error: {
      code: 'CONFIG_INVALID',
      message:
        `${result.file} is invalid (${n} ${n === 1 ? 'issue' : 'issues'}): the billing configuration in force stays. ${result.issues[0]?.text ?? ''}`.trim(),
      issues: result.issues.map(({ file, line, col, key, reason, text: t }): BillingFileIssue => ({
        file,
        line,
        col,
        ...(key ? { key } : {}),
        reason,
        text: t,
      })),
    },
  });
}
