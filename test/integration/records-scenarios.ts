/**
 * The store side of mapped records, against a real store through the repository: patients and coverages
 * upserted with the as-of rule, charges linked to their patient and to the coverage in force on their date of
 * service, reversals (including reversalMissing: ignore), and idempotent re-completion. Shared by
 * records.pg.test.ts (Postgres) and records.pglite.test.ts (PGlite), so one SQL serves both.
 */
import { EngineError } from '../../src/core/errors';
import type { ChargeRecord, CoverageRecord, MappedRecords, PatientRecord } from '../../src/mappings/records';
import type { Store } from '../../src/store/db';
import { getPatient, listPatients } from '../../src/store/queries';
import { MessageRepository } from '../../src/store/repository';

const CHANNEL = 'pharmacy-inbound';

export function describeRecordStore(name: string, open: () => Promise<{ store: Store; close(): Promise<void> }>): void {
  describe(`mapped records on ${name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let repo: MessageRepository;
    let seq = 0;
    beforeAll(async () => {
      ({ store, close } = await open());
      repo = new MessageRepository(store.db, store.pipelineDb);
    }, 60_000);
    afterAll(async () => { await close(); });

    /** A stored message, claimed (processing), as the pipeline would hold it before completing it. */
    async function claimedMessage(): Promise<string> {
      const controlId = `REC-${++seq}`;
      const [stored] = await repo.recordInbound([{
        channel: CHANNEL, status: 'received', sender: 'RXSYS|PHARM01', controlId, messageType: 'ADT^A08', version: '2.5.1',
        processingId: 'P', patientKey: null, remote: 'test', content: `MSH|^~\\&|RXSYS|PHARM01|||20240101||ADT^A08|${controlId}|P|2.5.1`,
        duplicateWindowMs: 0,
      }]);
      const claim = (await repo.claimMany([stored!.id])).get(stored!.id);
      expect(claim?.kind).toBe('claimed');
      return stored!.id;
    }

    const patientRow = (ref: string) => store.db.selectFrom('patients').selectAll().where('patient_ref', '=', ref).executeTakeFirst();
    const coverageRows = (ref: string) => store.db.selectFrom('coverages').selectAll().where('patient_ref', '=', ref)
      .orderBy('plan_id').execute();
    const chargeRow = (sourceKey: string) => store.db.selectFrom('charges').selectAll().where('source_key', '=', sourceKey).executeTakeFirst();
    const statusOf = async (id: string) => (await store.db.selectFrom('messages').select('status').where('id', '=', id as never)
      .executeTakeFirstOrThrow()).status;

    test('patients: upsert by patient_ref; an older asOf never overwrites, a newer one does', async () => {
      const first = await claimedMessage();
      await repo.completeMany([processed(first, { patients: [patient('PAT-1', '2024-03-01T10:00:00Z', { familyName: 'SECOND' })] })]);
      const row = await patientRow('PAT-1');
      expect(row).toMatchObject({ family_name: 'SECOND', given_name: 'ALEX', birth_date: '1980-01-01', message_id: first });
      expect(row!.as_of.toISOString()).toBe('2024-03-01T10:00:00.000Z');

      const older = await claimedMessage();
      await repo.completeMany([processed(older, { patients: [patient('PAT-1', '2024-02-01T10:00:00Z', { familyName: 'FIRST' })] })]);
      expect(await statusOf(older)).toBe('processed');
      expect(await patientRow('PAT-1')).toMatchObject({ id: row!.id, family_name: 'SECOND', message_id: first });

      const newer = await claimedMessage();
      await repo.completeMany([processed(newer, { patients: [patient('PAT-1', '2024-04-01T10:00:00Z', { familyName: 'THIRD', city: null })] })]);
      expect(await patientRow('PAT-1')).toMatchObject({ id: row!.id, family_name: 'THIRD', city: null, message_id: newer });
      const count = await store.db.selectFrom('patients').select((eb) => eb.fn.countAll().as('n')).where('patient_ref', '=', 'PAT-1')
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1);
    });

    test('one batch naming a patient twice keeps the newest asOf (and, on a tie, the later message)', async () => {
      const [a, b, c] = [await claimedMessage(), await claimedMessage(), await claimedMessage()];
      await repo.completeMany([
        processed(a, { patients: [patient('PAT-2', '2024-05-02T00:00:00Z', { familyName: 'NEWEST-A' })] }),
        processed(b, { patients: [patient('PAT-2', '2024-05-01T00:00:00Z', { familyName: 'OLDER-B' })] }),
        processed(c, { patients: [patient('PAT-3', '2024-05-01T00:00:00Z', { familyName: 'TIE-1' }), patient('PAT-3', '2024-05-01T00:00:00Z', { familyName: 'TIE-2' })] }),
      ]);
      expect(await patientRow('PAT-2')).toMatchObject({ family_name: 'NEWEST-A', message_id: a });
      expect(await patientRow('PAT-3')).toMatchObject({ family_name: 'TIE-2', message_id: c });
    });

    test('coverages: upsert by patient_ref + plan_id with the same as-of rule', async () => {
      const first = await claimedMessage();
      await repo.completeMany([processed(first, { coverages: [
        coverage('PAT-4', 'PLAN-A', '2024-03-01T00:00:00Z', { memberId: 'M-1', priority: 1 }),
        coverage('PAT-4', 'PLAN-B', '2024-03-01T00:00:00Z', { memberId: 'M-2', priority: 2 }),
      ] })]);
      const older = await claimedMessage();
      await repo.completeMany([processed(older, { coverages: [coverage('PAT-4', 'PLAN-A', '2024-01-01T00:00:00Z', { memberId: 'M-OLD' })] })]);
      const newer = await claimedMessage();
      await repo.completeMany([processed(newer, { coverages: [coverage('PAT-4', 'PLAN-B', '2024-06-01T00:00:00Z', { memberId: 'M-3', priority: 1, expirationDate: '2024-12-31' })] })]);
      const rows = await coverageRows('PAT-4');
      expect(rows.map((r) => [r.plan_id, r.member_id, r.priority, r.expiration_date, r.message_id])).toEqual([
        ['PLAN-A', 'M-1', 1, null, first],
        ['PLAN-B', 'M-3', 1, '2024-12-31', newer],
      ]);
    });

    test('a charge gets its patient and the coverage in force on its DOS (priority, then newest asOf), written by its own message', async () => {
      const id = await claimedMessage();
      const records: Partial<MappedRecords> = {
        patients: [patient('PAT-5', '2024-01-10T00:00:00Z')],
        coverages: [
          // First half of 2024: primary A, secondary B. From July: primary C (B still secondary).
          coverage('PAT-5', 'PLAN-A', '2024-01-10T00:00:00Z', { priority: 1, effectiveDate: '2024-01-01', expirationDate: '2024-06-30' }),
          coverage('PAT-5', 'PLAN-B', '2024-01-10T00:00:00Z', { priority: 2, effectiveDate: '2024-01-01', expirationDate: null }),
          coverage('PAT-5', 'PLAN-C', '2024-01-10T00:00:00Z', { priority: 1, effectiveDate: '2024-07-01', expirationDate: null }),
        ],
        charges: [
          charge(`${id}|1`, 'PAT-5', '2024-03-15'),
          charge(`${id}|2`, 'PAT-5', '2024-06-30'),
          charge(`${id}|3`, 'PAT-5', '2024-07-01'),
          charge(`${id}|4`, 'PAT-5', '2023-12-31'),
          charge(`${id}|5`, 'PAT-NOBODY', '2024-03-15'),
        ],
      };
      expect(await repo.completeMany([processed(id, records)])).toBe(5);
      const patientId = (await patientRow('PAT-5'))!.id;
      const planIds = new Map((await coverageRows('PAT-5')).map((r) => [r.id, r.plan_id]));
      const links = async (key: string) => {
        const row = await chargeRow(key);
        return [row!.patient_id === patientId ? 'PAT-5' : row!.patient_id, row!.coverage_id === null ? null : planIds.get(row!.coverage_id)];
      };
      expect(await links(`${id}|1`)).toEqual(['PAT-5', 'PLAN-A']);
      expect(await links(`${id}|2`)).toEqual(['PAT-5', 'PLAN-A']); // expiration date is inclusive
      expect(await links(`${id}|3`)).toEqual(['PAT-5', 'PLAN-C']);
      expect(await links(`${id}|4`)).toEqual(['PAT-5', null]); // before any coverage
      expect(await links(`${id}|5`)).toEqual([null, null]);

      // A later message whose charge is plain: it finds the stored rows. A newer primary for the same dates wins
      // over an older one of the same priority.
      const later = await claimedMessage();
      await repo.completeMany([processed(later, {
        coverages: [coverage('PAT-5', 'PLAN-D', '2024-02-01T00:00:00Z', { priority: 1, effectiveDate: '2024-03-01', expirationDate: '2024-03-31' })],
        charges: [charge(`${later}|1`, 'PAT-5', '2024-03-15'), charge(`${later}|2`, 'PAT-5', '2024-04-15')],
      })]);
      const planIds2 = new Map((await coverageRows('PAT-5')).map((r) => [r.id, r.plan_id]));
      expect(planIds2.get((await chargeRow(`${later}|1`))!.coverage_id!)).toBe('PLAN-D');
      expect(planIds2.get((await chargeRow(`${later}|2`))!.coverage_id!)).toBe('PLAN-A');
      // Charges already written keep the link they got.
      expect(await links(`${id}|1`)).toEqual(['PAT-5', 'PLAN-A']);

      // Another later message, only charges: links come from the tables alone.
      const third = await claimedMessage();
      await repo.completeMany([processed(third, { charges: [charge(`${third}|1`, 'PAT-5', '2024-08-01')] })]);
      expect(planIds2.get((await chargeRow(`${third}|1`))!.coverage_id!)).toBe('PLAN-C');
      expect((await chargeRow(`${third}|1`))!.patient_id).toBe(patientId);
    });

    test('the charge columns added for dispenses and immunizations are stored exactly', async () => {
      const id = await claimedMessage();
      await repo.completeMany([processed(id, { charges: [charge(`${id}|1`, 'PAT-6', '2024-03-15', {
        serviceKind: 'dispense', ndc: '00093721401', ndcQuantity: '2.5', ndcUnit: 'ML', rxNumber: 'RX123', fillNumber: '2',
        daysSupply: '30', daw: '0', lot: 'LOT9', vfcEligibility: 'V01', placeOfService: '01',
      })] })]);
      expect(await chargeRow(`${id}|1`)).toMatchObject({
        service_kind: 'dispense', ndc: '00093721401', ndc_quantity: '2.500', ndc_unit: 'ML', rx_number: 'RX123', fill_number: '2',
        days_supply: 30, daw: '0', lot: 'LOT9', vfc_eligibility: 'V01', place_of_service: '01',
      });
      const refused = await claimedMessage();
      const err = await repo.completeMany([processed(refused, { charges: [charge(`${refused}|1`, 'PAT-6', '2024-03-15', { daysSupply: '30.5' })] })])
        .then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('VALUE_REJECTED_BY_STORE');
      expect(await statusOf(refused)).toBe('processing');
    });

    test('completing again (a retry or replay) writes no second charge and keeps patients and coverages as they are', async () => {
      const id = await claimedMessage();
      const records: Partial<MappedRecords> = {
        patients: [patient('PAT-7', '2024-03-01T00:00:00Z')],
        coverages: [coverage('PAT-7', 'PLAN-A', '2024-03-01T00:00:00Z')],
        charges: [charge(`${id}|1`, 'PAT-7', '2024-03-15'), charge(`${id}|2`, 'PAT-7', '2024-03-15')],
      };
      expect(await repo.completeMany([processed(id, records)])).toBe(2);
      const before = { patient: await patientRow('PAT-7'), coverages: await coverageRows('PAT-7'), charge: await chargeRow(`${id}|1`) };
      // Not processing any more: nothing at all is written.
      expect(await repo.completeMany([processed(id, { ...records, patients: [patient('PAT-7', '2024-09-01T00:00:00Z', { familyName: 'LATE' })] })])).toBe(0);
      expect((await patientRow('PAT-7'))!.family_name).toBe('TESTPATIENT');

      await repo.prepareReplay(id, null, 'test');
      expect((await repo.claimMany([id])).get(id)?.kind).toBe('claimed');
      expect(await repo.completeMany([processed(id, records)])).toBe(0);
      expect(await statusOf(id)).toBe('processed');
      expect(await patientRow('PAT-7')).toMatchObject({ id: before.patient!.id, family_name: 'TESTPATIENT' });
      expect((await coverageRows('PAT-7')).map((r) => r.id)).toEqual(before.coverages.map((r) => r.id));
      expect(await chargeRow(`${id}|1`)).toEqual(before.charge);
      const n = await store.db.selectFrom('charges').select((eb) => eb.fn.countAll().as('n')).where('message_id', '=', id as never)
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(2);
    });

    describe('completeWithRecords (messages with reversals)', () => {
      test('writes patients and coverages first, links the charges, and reverses the target once', async () => {
        const first = await claimedMessage();
        await repo.completeMany([processed(first, { charges: [charge(`${first}|1`, 'PAT-8', '2024-03-15', { transactionId: 'T8-1' })] })]);
        const id = await claimedMessage();
        const inserted = await repo.completeWithRecords(id, records({
          patients: [patient('PAT-8', '2024-03-20T00:00:00Z')],
          coverages: [coverage('PAT-8', 'PLAN-A', '2024-03-20T00:00:00Z', { effectiveDate: '2024-01-01' })],
          charges: [
            reversal(`${id}|1`, 'PAT-8', '2024-03-15', 'T8-1'),
            charge(`${id}|2`, 'PAT-8', '2024-03-16', { transactionId: 'T8-2' }),
          ],
        }));
        expect(inserted).toBe(2);
        expect(await statusOf(id)).toBe('processed');
        const patientId = (await patientRow('PAT-8'))!.id;
        const [plan] = await coverageRows('PAT-8');
        expect(await chargeRow(`${first}|1`)).toMatchObject({ status: 'reversed', patient_id: null, coverage_id: null });
        expect(await chargeRow(`${id}|1`)).toMatchObject({ status: 'reversal', reversal_of: `${first}|1`, patient_id: patientId, coverage_id: plan!.id });
        expect(await chargeRow(`${id}|2`)).toMatchObject({ status: 'active', patient_id: patientId, coverage_id: plan!.id });
      });

      test('a reversal with no target fails the whole message (nothing written) unless it says reversalMissing: ignore', async () => {
        const id = await claimedMessage();
        const recs = records({
          patients: [patient('PAT-9', '2024-03-20T00:00:00Z')],
          charges: [charge(`${id}|1`, 'PAT-9', '2024-03-15'), reversal(`${id}|2`, 'PAT-9', '2024-03-15', 'T-NOWHERE')],
        });
        await expect(repo.completeWithRecords(id, recs)).rejects.toMatchObject({ code: 'REVERSAL_TARGET_MISSING' });
        expect(await statusOf(id)).toBe('processing');
        expect(await patientRow('PAT-9')).toBeUndefined();
        expect(await chargeRow(`${id}|1`)).toBeUndefined();

        recs.charges[1] = { ...recs.charges[1]!, reversalMissing: 'ignore' };
        expect(await repo.completeWithRecords(id, recs)).toBe(1);
        expect(await statusOf(id)).toBe('processed');
        expect(await patientRow('PAT-9')).toBeDefined();
        expect(await chargeRow(`${id}|1`)).toMatchObject({ status: 'active' });
        expect(await chargeRow(`${id}|2`)).toBeUndefined();
        const events = await store.db.selectFrom('message_events').select('detail').where('message_id', '=', id as never)
          .where('to_status', '=', 'processed').execute();
        expect(events.map((e) => e.detail)).toEqual(['1 of 2 charges new, 1 patients, 0 coverages']);
      });

      test('a reversal without an amount reverses the full amount; a re-billed line is the one a later cancellation reverses', async () => {
        const first = await claimedMessage();
        await repo.completeMany([processed(first, { charges: [charge(`${first}|1`, 'PAT-11', '2024-03-15', { transactionId: 'RX-1-1', chargeAmount: '18.75' })] })]);
        const cancel = await claimedMessage();
        expect(await repo.completeWithRecords(cancel, records({ charges: [{ ...reversal(`${cancel}|1`, 'PAT-11', '2024-03-15', 'RX-1-1'), chargeAmount: null }] }))).toBe(1);
        expect(await chargeRow(`${cancel}|1`)).toMatchObject({ status: 'reversal', reversal_of: `${first}|1` });
        expect(String((await chargeRow(`${cancel}|1`))!.charge_amount)).toBe('-18.75');
        // The same line billed again under the same transaction id, then cancelled again: the new line is reversed.
        const rebill = await claimedMessage();
        await repo.completeMany([processed(rebill, { charges: [charge(`${rebill}|1`, 'PAT-11', '2024-03-16', { transactionId: 'RX-1-1', chargeAmount: '20.00' })] })]);
        const cancel2 = await claimedMessage();
        expect(await repo.completeWithRecords(cancel2, records({ charges: [{ ...reversal(`${cancel2}|1`, 'PAT-11', '2024-03-16', 'RX-1-1'), chargeAmount: null }] }))).toBe(1);
        expect(await chargeRow(`${cancel2}|1`)).toMatchObject({ reversal_of: `${rebill}|1` });
        expect(String((await chargeRow(`${cancel2}|1`))!.charge_amount)).toBe('-20.00');
        // A third cancellation finds nothing active: an error, or nothing with reversalMissing: ignore.
        const cancel3 = await claimedMessage();
        const third = records({ charges: [{ ...reversal(`${cancel3}|1`, 'PAT-11', '2024-03-16', 'RX-1-1'), chargeAmount: null }] });
        await expect(repo.completeWithRecords(cancel3, third)).rejects.toMatchObject({ code: 'CHARGE_ALREADY_REVERSED' });
        third.charges[0] = { ...third.charges[0]!, reversalMissing: 'ignore' };
        expect(await repo.completeWithRecords(cancel3, third)).toBe(0);
        expect(await statusOf(cancel3)).toBe('processed');
      });

      test('completing again after a replay inserts nothing and reverses nothing twice', async () => {
        const first = await claimedMessage();
        await repo.completeMany([processed(first, { charges: [charge(`${first}|1`, 'PAT-10', '2024-03-15', { transactionId: 'T10-1' })] })]);
        const id = await claimedMessage();
        const recs = records({ charges: [reversal(`${id}|1`, 'PAT-10', '2024-03-15', 'T10-1')] });
        expect(await repo.completeWithRecords(id, recs)).toBe(1);
        expect(await repo.completeWithRecords(id, recs)).toBe(0); // not processing: no-op
        await repo.prepareReplay(id, null, 'test');
        await repo.claimMany([id]);
        expect(await repo.completeWithRecords(id, recs)).toBe(0);
        expect(await statusOf(id)).toBe('processed');
        const rows = await store.db.selectFrom('charges').select(['source_key', 'status']).where('patient_ref', '=', 'PAT-10').orderBy('id').execute();
        expect(rows).toEqual([{ source_key: `${first}|1`, status: 'reversed' }, { source_key: `${id}|1`, status: 'reversal' }]);
      });
    });

    test('read queries: a patient with its coverages (primary first), and the patient list newest first', async () => {
      const id = await claimedMessage();
      await repo.completeMany([processed(id, {
        patients: [patient('PAT-11', '2024-03-01T00:00:00Z')],
        coverages: [
          coverage('PAT-11', 'PLAN-Z', '2024-03-01T00:00:00Z', { priority: 1 }),
          coverage('PAT-11', 'PLAN-A', '2024-03-01T00:00:00Z', { priority: 2 }),
        ],
      })]);
      const found = await getPatient(store.db, 'PAT-11');
      expect(found?.patient).toMatchObject({ patient_ref: 'PAT-11', family_name: 'TESTPATIENT' });
      expect(found?.coverages.map((c) => c.plan_id)).toEqual(['PLAN-Z', 'PLAN-A']);
      expect(await getPatient(store.db, 'PAT-4')).toMatchObject({ patient: null, coverages: [{ plan_id: 'PLAN-A' }, { plan_id: 'PLAN-B' }] });
      expect(await getPatient(store.db, 'PAT-NOBODY')).toBeUndefined();
      const [newest, next] = await listPatients(store.db, { limit: 2 });
      expect(newest!.patient_ref).toBe('PAT-11');
      const page2 = await listPatients(store.db, { limit: 1, before: newest!.id });
      expect(page2.map((p) => p.id)).toEqual([next!.id]);
    });

    describe('unmarked claims (a first attempt that writes nothing until it ends)', () => {
      /** A stored message, received and never claimed. */
      async function receivedMessage(patientKey: string | null = null): Promise<string> {
        const controlId = `UNM-${++seq}`;
        const [stored] = await repo.recordInbound([{
          channel: CHANNEL, status: 'received', sender: 'RXSYS|PHARM01', controlId, messageType: 'DFT^P03', version: '2.5.1',
          processingId: 'P', patientKey, remote: 'test', content: `MSH|^~\\&|RXSYS|PHARM01|||20240101||DFT^P03|${controlId}|P|2.5.1`,
          duplicateWindowMs: 0,
        }]);
        return stored!.id;
      }
      const row = (id: string) => store.db.selectFrom('messages').select(['status', 'attempts']).where('id', '=', id as never).executeTakeFirstOrThrow();
      const events = async (id: string) => (await store.db.selectFrom('message_events').select(['from_status', 'to_status'])
        .where('message_id', '=', id as never).orderBy('id').execute()).map((e) => `${e.from_status ?? ''}>${e.to_status}`);

      test('the claim writes nothing; the completion finishes the message and counts the attempt', async () => {
        const id = await receivedMessage();
        const claim = (await repo.claimMany([id], { unmarked: true })).get(id);
        expect(claim).toMatchObject({ kind: 'claimed', item: { id, attempts: 1 } });
        expect(await row(id)).toEqual({ status: 'received', attempts: 0 });
        expect(await repo.completeMany([processed(id, { charges: [charge(`${id}|1`, 'PAT-U1', '2024-03-15')] })])).toBe(1);
        expect(await row(id)).toEqual({ status: 'processed', attempts: 1 });
        expect(await events(id)).toEqual(['received>processed']);
      });

      test('two workers holding the same message: the first completion wins, the second writes nothing', async () => {
        const id = await receivedMessage();
        const a = (await repo.claimMany([id], { unmarked: true })).get(id);
        const b = (await repo.claimMany([id], { unmarked: true })).get(id);
        expect([a?.kind, b?.kind]).toEqual(['claimed', 'claimed']);
        expect(await repo.completeMany([processed(id, { charges: [charge(`${id}|1`, 'PAT-U2', '2024-03-15')] })])).toBe(1);
        expect(await repo.completeMany([processed(id, { charges: [charge(`${id}|1`, 'PAT-U2', '2024-03-15', { units: '9' })] })])).toBe(0);
        const charges = await store.db.selectFrom('charges').select('units').where('message_id', '=', id as never).execute();
        expect(charges.map((c) => Number(c.units))).toEqual([1]);
        expect(await row(id)).toEqual({ status: 'processed', attempts: 1 });
        expect((await repo.claimMany([id], { unmarked: true })).get(id)).toEqual({ kind: 'final' });
      });

      test('a retry marks the attempt, and the next claim of that message is a marked one', async () => {
        const id = await receivedMessage();
        expect((await repo.claimMany([id], { unmarked: true })).get(id)?.kind).toBe('claimed');
        await repo.noteRetry(id, { code: 'STORE_UNAVAILABLE', text: 'try later', stage: 'write' }, 100);
        expect(await row(id)).toEqual({ status: 'processing', attempts: 1 });
        const again = (await repo.claimMany([id], { unmarked: true })).get(id);
        expect(again).toMatchObject({ kind: 'claimed', item: { attempts: 2 } });
        expect(await row(id)).toEqual({ status: 'processing', attempts: 2 });
        await repo.deadLetter(id, { code: 'MAPPING_FAILED', text: 'no', stage: 'map' });
        expect(await row(id)).toEqual({ status: 'error', attempts: 2 });
      });

      test('a dead letter from an unmarked attempt counts it', async () => {
        const id = await receivedMessage();
        expect((await repo.claimMany([id], { unmarked: true })).get(id)?.kind).toBe('claimed');
        await repo.deadLetter(id, { code: 'MAPPING_FAILED', text: 'no', stage: 'map' });
        expect(await row(id)).toEqual({ status: 'error', attempts: 1 });
      });

      test('an earlier unfinished message of the patient outside the batch makes it wait; inside the batch it does not', async () => {
        const first = await receivedMessage('pk-unmarked');
        const second = await receivedMessage('pk-unmarked');
        expect((await repo.claimMany([second], { unmarked: true })).get(second)).toEqual({ kind: 'wait', patientKey: 'pk-unmarked' });
        const both = await repo.claimMany([first, second], { unmarked: true });
        expect([both.get(first)?.kind, both.get(second)?.kind]).toEqual(['claimed', 'claimed']);
        expect(await row(second)).toEqual({ status: 'received', attempts: 0 });
      });

      test('a message already claimed once takes the marked claim, within the same call as unmarked ones', async () => {
        const marked = await receivedMessage();
        await repo.claimMany([marked]);
        await repo.releaseClaims([marked]);
        await repo.noteRetry(marked, { code: 'STORE_UNAVAILABLE', text: 'try later', stage: 'write' }, 100);
        const fresh = await receivedMessage();
        const claims = await repo.claimMany([marked, fresh], { unmarked: true });
        expect(claims.get(marked)).toMatchObject({ kind: 'claimed', item: { attempts: 1 } });
        expect(claims.get(fresh)).toMatchObject({ kind: 'claimed', item: { attempts: 1 } });
        expect(await row(marked)).toEqual({ status: 'processing', attempts: 1 });
        expect(await row(fresh)).toEqual({ status: 'received', attempts: 0 });
      });

      test('a message with reversals finished through completeWithRecords counts the unmarked attempt', async () => {
        const first = await claimedMessage();
        await repo.completeMany([processed(first, { charges: [charge(`${first}|1`, 'PAT-U3', '2024-03-15', { transactionId: 'TU3-1' })] })]);
        const id = await receivedMessage();
        expect((await repo.claimMany([id], { unmarked: true })).get(id)?.kind).toBe('claimed');
        expect(await repo.completeWithRecords(id, records({ charges: [reversal(`${id}|1`, 'PAT-U3', '2024-03-15', 'TU3-1')] }))).toBe(1);
        expect(await row(id)).toEqual({ status: 'processed', attempts: 1 });
        expect((await events(id)).at(-1)).toBe('received>processed');
      });
    });

    test('mapping_versions exists with its unique (mapping, version)', async () => {
      const row = { mapping: 'dft-p03', version: 1, content: 'x: 1\n', sha256: 'a'.repeat(64), actor: 'test' };
      await store.db.insertInto('mapping_versions').values(row).execute();
      await expect(store.db.insertInto('mapping_versions').values(row).execute()).rejects.toMatchObject({ code: '23505' });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic records (no real patient data).

function records(r: Partial<MappedRecords>): MappedRecords {
  return { charges: r.charges ?? [], patients: r.patients ?? [], coverages: r.coverages ?? [] };
}

function processed(id: string, r: Partial<MappedRecords>) {
  return { id, status: 'processed' as const, records: records(r) };
}

function patient(ref: string, asOf: string, o: Partial<PatientRecord> = {}): PatientRecord {
  return {
    sourceKey: `${CHANNEL}|PID|${ref}|${asOf}`, patientRef: ref, asOf, familyName: 'TESTPATIENT', givenName: 'ALEX',
    middleName: null, birthDate: '1980-01-01', sex: 'U', addressLine1: '1 TEST ST', addressLine2: null, city: 'TESTVILLE',
    state: 'OH', postalCode: '43004', phone: null, accountNumber: `ACC-${ref}`, ...o,
  };
}

function coverage(ref: string, planId: string, asOf: string, o: Partial<CoverageRecord> = {}): CoverageRecord {
  return {
    sourceKey: `${CHANNEL}|IN1|${ref}|${planId}`, patientRef: ref, asOf, planId, payerId: 'PAYER1', payerName: 'TEST PAYER',
    memberId: 'MEMBER1', groupNumber: null, groupName: null, planType: 'CI', relationship: '18', priority: 1,
    effectiveDate: null, expirationDate: null, subscriberFamilyName: null, subscriberGivenName: null,
    subscriberBirthDate: null, subscriberSex: null, ...o,
  };
}

function charge(sourceKey: string, ref: string, serviceDate: string, o: Partial<ChargeRecord> = {}): ChargeRecord {
  return {
    sourceKey, reversalOfTransaction: null, kind: 'charge', serviceKind: 'other', transactionId: null, serviceDate,
    patientRef: ref, codeSystem: 'CPT', code: '99605', modifiers: [], units: '1', chargeAmount: '50.00', diagnoses: ['Z71.89'],
    renderingNpi: '1234567893', orderingNpi: null, ndc: null, ndcQuantity: null, ndcUnit: null, rxNumber: null,
    fillNumber: null, daysSupply: null, daw: null, lot: null, vfcEligibility: null, placeOfService: null, ...o,
  };
}

function reversal(sourceKey: string, ref: string, serviceDate: string, reverses: string): ChargeRecord {
  return { ...charge(sourceKey, ref, serviceDate, { chargeAmount: '-50.00' }), kind: 'reversal', reversalOfTransaction: reverses };
}
