/**
 * The FHIR API's store reads on PGlite (the embedded store): hashed Patient and Coverage ids matched by the database's
 * sha256 as src/fhir/ids.ts computes them, a patient's processed messages found by blind-index tokens with their
 * latest content.
 */
import { coverageId, patientId } from '../../src/fhir';
import { openStore, type Store } from '../../src/store/db';
import { PLAINTEXT_BODIES } from '../../src/store/bodies';
import { FhirSource } from '../../src/store/fhir-source';

jest.setTimeout(60_000);

let store: Store;
let source: FhirSource;
const ODD = 'PAT #7';

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  source = new FhirSource(store.db, PLAINTEXT_BODIES);
  await store.db.insertInto('patients').values({ patient_ref: ODD, as_of: '2025-03-01T00:00:00Z', family_name: 'ODDFAMILY', source_key: 'k1', message_id: null } as never).execute();
  await store.db
    .insertInto('coverages')
    .values({ patient_ref: ODD, plan_id: 'PLAN|1', as_of: '2025-03-01T00:00:00Z', priority: 1, member_id: 'M-1', source_key: 'k2', message_id: null } as never)
    .execute();
  const insertMessage = async (type: string, status: string, tokens: string[], contents: string[]) => {
    const { id } = await store.db
      .insertInto('messages')
      .values({ channel: 'c', status, sender: 'S|F', control_id: `C${Math.random()}`, message_type: type, version: '2.5.1', processing_id: 'P', patient_key: null, remote: '127.0.0.1' } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    await store.db.insertInto('message_terms').values({ message_id: id, tokens }).execute();
    for (const [i, content] of contents.entries()) {
      await store.db.insertInto('message_contents').values({ message_id: id, version: i + 1, kind: i === 0 ? 'raw' : 'edited', content, key_id: null } as never).execute();
    }
    return id;
  };
  await insertMessage('VXU^V04', 'processed', ['101'], ['MSH|first', 'MSH|edited']);
  await insertMessage('RDS^O13', 'processed', ['101'], ['MSH|rds']);
  await insertMessage('VXU^V04', 'error', ['101'], ['MSH|dead']);
  await insertMessage('VXU^V04', 'processed', ['102'], ['MSH|other patient']);
});

afterAll(() => store?.close());

test('a hashed Patient id finds its patient ref; a plain one is the ref itself', async () => {
  expect(patientId(ODD)).toMatch(/^h-/);
  expect(await source.patientRefOf(patientId(ODD))).toBe(ODD);
  expect(await source.patientRefOf(`h-${'1'.repeat(40)}`)).toBeUndefined();
  expect(await source.patientRefOf('PLAIN1')).toBe('PLAIN1');
  expect(await source.patient(ODD)).toMatchObject({ patientRef: ODD, familyName: 'ODDFAMILY' });
});

test('a Coverage id is matched by the same hash in SQL', async () => {
  const [c] = await source.coverages({ fhirId: coverageId(ODD, 'PLAN|1') });
  expect(c).toMatchObject({ patientRef: ODD, planId: 'PLAN|1', memberId: 'M-1' });
  expect(await source.coverages({ fhirId: coverageId(ODD, 'PLAN|2') })).toEqual([]);
  expect(await source.coverages({ patientRef: ODD })).toHaveLength(1);
});

test('processed messages of a type holding a token, newest first, with their latest content', async () => {
  const vxu = await source.messagesWithTokens(['101', '199'], ['VXU'], 10);
  expect(vxu.map((m) => m.raw)).toEqual(['MSH|edited']);
  const both = await source.messagesWithTokens(['101'], ['VXU', 'RDS'], 10);
  expect(both.map((m) => m.messageType)).toEqual(['RDS^O13', 'VXU^V04']);
  expect(await source.messagesWithTokens([], ['VXU'], 10)).toEqual([]);
  expect((await source.message(vxu[0]!.id))?.raw).toBe('MSH|edited');
});
