/**
 * A transfer worker in a process of its own, for tests that kill it with SIGKILL mid-way
 * (clearinghouse-sftp.pg.test.ts): one upload run or one pickup of clearinghouse `synch`, as the engine's exchange
 * does it. Input: the JSON in CH_CHILD ({ databaseUrl, billingText, billingFile, mode }). Bundled by esbuild at test
 * time (startChild in the test).
 */
import os from 'node:os';
import path from 'node:path';
import { parseBillingConfigText } from '../../src/billing/config';
import { loadPayerRulesDir } from '../../src/billing/scrub/payer-rules-files';
import { openSession } from '../../src/clearinghouse/sftp';
import { claimsPosters } from '../../src/engine/clearinghouse-exchange';
import { ClaimsService } from '../../src/store/claims-service';
import { pickup, uploadDue } from '../../src/store/clearinghouse';
import { openStore } from '../../src/store/db';

async function main(): Promise<void> {
  const o = JSON.parse(process.env.CH_CHILD ?? '{}') as { databaseUrl: string; billingText: string; billingFile: string; mode: 'upload' | 'pickup' };
  const config = parseBillingConfigText(o.billingText, o.billingFile, {}, os.tmpdir());
  const store = await openStore({ databaseUrl: o.databaseUrl, poolSize: 2 });
  const claims = new ClaimsService({ db: store.db, config, payerRules: loadPayerRulesDir(path.join(path.dirname(o.billingFile), 'payer-rules')) });
  const ch = config.clearinghouses.get('synch')!;
  process.stdout.write('started\n');
  if (o.mode === 'upload') await uploadDue(store.db, ch, () => openSession(ch));
  else {
    const session = await openSession(ch);
    await pickup(store.db, ch, session, claimsPosters(claims));
    await session.close();
  }
  await store.close();
  process.stdout.write('done\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
