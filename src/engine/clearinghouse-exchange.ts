/**
 * The clearinghouse exchange of an engine process (docs/billing.md "Clearinghouse exchange (SFTP)"): per enabled
 * clearinghouse of billing.yaml, a periodic task that uploads the due 837P and 270 transfers (every 15 s: a query, and a
 * connection only when one is due) and, every `pollIntervalSeconds`, picks up the answers. Several processes may
 * run it against one database: the transfer rows are locked one at a time and each answer file is posted once
 * (src/store/clearinghouse.ts). Failures are logged with the error code, the clearinghouse and the batch id, never
 * file content; the transfer row keeps the last error for the batch list.
 */
import type { BillingConfig } from '../billing/config';
import type { ClearinghouseConfig } from '../clearinghouse/config';
import { openSession, type ClearinghouseSession } from '../clearinghouse/sftp';
import { EngineError } from '../core/errors';
import type { Logger } from '../core/logger';
import { periodicTask, type PeriodicTask } from '../core/periodic';
import type { RemittanceSummary } from '../store/claims-remittances';
import type { ClaimsService } from '../store/claims-service';
import { pickup, ta1Poster, uploadDue, type AnswerPoster, type AnswerPosters } from '../store/clearinghouse';

/** Who the claim history names for what the exchange posts. */
export const EXCHANGE_ACTOR = 'clearinghouse';

/** Uploads are looked for this often (ms). */
export const UPLOAD_CHECK_MS = 15_000;

/**
 * The posters of the claims service: 835 (remittances), 999/277CA (acknowledgments, file kept), TA1 (on the batch),
 * 271 (eligibility answers: coverages ended, member ids, primary payer; src/billing/workflows/eligibility.ts).
 */
export function claimsPosters(claims: ClaimsService, actor = EXCHANGE_ACTOR): AnswerPosters {
  const acknowledgments: AnswerPoster = async (text, within) => {
    const s = await claims.recordAcknowledgmentsWithin(text, actor, within);
    return `batches ${s.batches.length}, claims ${s.claims.length}, unmatched ${s.unmatched.length}`;
  };
  return {
    '835': async (text, within) => remittanceSummary(await claims.recordRemittances(text, actor, within)),
    '999': acknowledgments,
    '277CA': acknowledgments,
    TA1: ta1Poster(claims.database(), actor),
    '271': async (text, within) => {
      const r = await claims.postEligibilityResponses(text, actor, within);
      return `271: ${r.answers.length} answers applied, ${r.unmatched} unmatched`;
    },
  };
}

function remittanceSummary(r: readonly RemittanceSummary[]): string {
  return r.map((s) => `835 ${s.traceNumber}: ${s.claims.length} claims posted, ${s.unmatched.length} unmatched`).join('; ');
}

export interface ExchangeOptions {
  billing: BillingConfig;
  claims: ClaimsService;
  log: Logger;
  posters?: AnswerPosters;
  env?: NodeJS.ProcessEnv;
  /** Test seam: how a session is opened (default: SFTP). */
  connect?: (ch: ClearinghouseConfig) => Promise<ClearinghouseSession>;
}

/** One upload task and one pickup task per enabled clearinghouse; none when billing names none. */
export function exchangeTasks(o: ExchangeOptions): PeriodicTask[] {
  const connect = o.connect ?? ((ch: ClearinghouseConfig) => openSession(ch, o.env));
  const posters = o.posters ?? claimsPosters(o.claims);
  const db = o.claims.database();
  const tasks: PeriodicTask[] = [];
  for (const ch of o.billing.clearinghouses.values()) {
    if (!ch.enabled) continue;
    const log = o.log.child({ clearinghouse: ch.name });
    const failed = (what: string) => (err: unknown) =>
      log.error('clearinghouse task failed; it runs again at the next interval', {
        task: what,
        code: err instanceof EngineError ? err.code : 'INTERNAL',
        error: err instanceof Error ? err.message : String(err),
      });
    tasks.push(
      periodicTask({
        name: `clearinghouse ${ch.name} uploads`,
        intervalMs: Math.min(UPLOAD_CHECK_MS, ch.pollIntervalMs),
        firstDelayMs: 1000,
        run: async () => {
          const r = await uploadDue(db, ch, () => connect(ch));
          for (const b of r.sent) log.info('batch uploaded to the clearinghouse', { batch: b });
          for (const e of r.sentInquiries) log.info('270 eligibility inquiry uploaded to the clearinghouse', { eligibilityFile: e });
          for (const f of r.failed)
            log.error('upload failed; retried with backoff', {
              code: 'CLEARINGHOUSE_TRANSFER',
              ...(f.batchId !== undefined ? { batch: f.batchId } : { eligibilityFile: f.eligibilityFileId }),
              error: f.error,
            });
        },
        onError: failed('upload'),
      }),
      periodicTask({
        name: `clearinghouse ${ch.name} pickup`,
        intervalMs: ch.pollIntervalMs,
        firstDelayMs: 5000,
        run: async () => {
          const session = await connect(ch);
          try {
            for (const f of await pickup(db, ch, session, posters)) {
              const fields = { file: f.name, kind: f.kind, outcome: f.outcome };
              if (f.outcome === 'error' || f.outcome === 'kept')
                log.warn('clearinghouse file could not be posted', { ...fields, error: f.detail });
              else log.info('clearinghouse file picked up', fields);
            }
          } finally {
            await session.close();
          }
        },
        onError: failed('pickup'),
      }),
    );
  }
  return tasks;
}
