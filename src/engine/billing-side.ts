/**
 * Billing in an engine process with an admin API: the claims service (made once, when the API is built) and the
 * reloads of billing.yaml (src/billing/reload.ts) on a change on disk, on `POST /api/billing/reload`, after a payer
 * is added from the console, and on a notice from another process of the same deployment.
 *
 * Contract: a reload through the API (or a payer added) that applies is announced on `<prefix>:billing`, so every
 * other process re-reads its own billing.yaml; a change seen on disk is not announced (each process watches its own
 * file). Intake and the pipeline never read billing, so nothing stops while a reload runs.
 */
import fs from 'node:fs';
import type { BillingApi } from '../admin/billing-routes';
import { addPayerText, writeBillingFile } from '../billing/payer-edit';
import { BillingReloader, type BillingReloadResult } from '../billing/reload';
import { unknownPayers } from '../billing/unknown-payers';
import { EngineError } from '../core/errors';
import { coveragePayerIds } from '../store/unknown-payers';
import type { ClaimsService } from '../store/claims-service';
import { service, type EngineService } from './compose';
import { billingNotices } from './notices';
import type { SharedParts } from './shared-parts';
import { claimsService } from './worker-side';

export interface BillingSide {
  /** The claims service (made at the first call; throws ConfigError when billing.yaml is invalid at start). */
  claims(): ClaimsService;
  /** The billing routes' API (src/admin/billing-routes.ts). */
  api: BillingApi;
  readonly services: EngineService[];
}

export function billingSide({ shared }: { shared: SharedParts }): BillingSide {
  const { config, log, store } = shared;
  let made: ClaimsService | undefined;
  const reloader = new BillingReloader({
    file: config.billingFile,
    env: config.env,
    dataDir: config.dataDir,
    current: () => made?.billingConfig(),
    apply: (billing, missing) => made?.useBillingConfig(billing, missing),
    logger: log,
  });
  const notices = billingNotices({ shared, reloader });
  const claims = () => (made ??= claimsService({ config, store, log }));
  const reloadEverywhere = async (): Promise<BillingReloadResult> => {
    const result = await reloader.reload('api');
    if (result.ok) {
      await notices.announce().catch((err: unknown) =>
        log.warn('billing reload notice could not be published; other engine processes reload on a change of their file or an API call', {
          error: (err as Error).name,
        }),
      );
    }
    return result;
  };
  // One payer added at a time: two admins adding at once must not write over each other's edit.
  let adding: Promise<unknown> = Promise.resolve();
  const api: BillingApi = {
    reload: reloadEverywhere,
    unknownPayers: async () => {
      const billing = claims().billingConfig();
      return {
        file: config.billingFile,
        configured: billing !== undefined,
        payers: unknownPayers(await coveragePayerIds(store.db), billing),
      };
    },
    addPayer: (payer) => {
      const run = adding.then(async () => {
        const text = readBillingText(config.billingFile);
        writeBillingFile(config.billingFile, addPayerText(text, config.billingFile, payer, config.env, config.dataDir));
        log.info('payer added to billing.yaml', { file: config.billingFile, payer: payer.id });
        return { file: config.billingFile, reload: await reloadEverywhere() };
      });
      adding = run.catch(() => undefined);
      return run;
    },
  };
  return {
    claims,
    api,
    services: [
      notices.service,
      service(
        'billing reloads',
        () => {
          if (made) reloader.watch(config.billingWatchIntervalMs);
        },
        () => reloader.close(),
      ),
    ],
  };
}

/** billing.yaml's text; CONFLICT when there is none to add to (billing is not configured: copy the sample first). */
function readBillingText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError(
      'CONFLICT',
      `billing is not configured: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
