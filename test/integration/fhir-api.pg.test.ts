/**
 * The read-only FHIR R4 API on a real engine (Postgres, Redis, MLLP): an ADT, a VXU and an RDS sent over MLLP
 * become Patient, Coverage, Immunization, MedicationDispense and ChargeItem resources; searches by patient and date,
 * reads by id, OperationOutcomes for bad requests; the roles (viewer: metadata only; operator: the rest) and the
 * audit trail (fhir.search / fhir.read, with ids and never patient data). Every answer is valid R4.
 */
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/core/logger';
import { patientId, validateResource } from '../../src/fhir';
import { startEngine, type Engine } from '../../src/main';
import { connectMllp, type MllpTestClient } from './mllp-client';
import { createTestDatabase, freePort, REDIS_URL, tempProject, waitFor, type ProjectDirs } from './support';

jest.setTimeout(120_000);

const BOOTSTRAP = 'test-bootstrap-token-fhir-api-0123456789';
const PATIENT = 'FHIRPAT01';
const FAMILY = 'FHIRFAMILY';
const hl7 = (...lines: string[]) => lines.join('\r');

const ADT = hl7(
  'MSH|^~\\&|RXSYS|TESTPHARM|RXBRIDGE|BILLING|20250301090000||ADT^A04^ADT_A01|FHIR-ADT-1|P|2.5.1',
  'EVN|A04|20250301090000',
  `PID|1||${PATIENT}^^^TESTPHARM^MR||${FAMILY}^JO||19800101|F|||1 ELM ST^^ANYTOWN^NY^10001`,
  'PV1|1|O',
  `IN1|1|COM-PLAN^SYNTHETIC COMMERCIAL PLAN|SYN-COMMERCIAL|SYNTHETIC COMMERCIAL HEALTH PLAN||||GRP-0001||||20000101|||CI|${FAMILY}^JO|SEL^Self^HL70063|19800101||||1||||||||||||||COM-M-0001`,
);
/** A patient ref that is no FHIR id: its Patient id is a hash, which the store matches in SQL. */
const ODD_PATIENT = 'FHIR#PAT 2';
const ADT_ODD = ADT.replace(`${PATIENT}^^^`, `${ODD_PATIENT}^^^`).replace('FHIR-ADT-1', 'FHIR-ADT-2');
const VXU = hl7(
  'MSH|^~\\&|RXSYS|TESTPHARM|RXBRIDGE|BILLING|20250301093000||VXU^V04^VXU_V04|FHIR-VXU-1|P|2.5.1',
  `PID|1||${PATIENT}^^^TESTPHARM^MR||${FAMILY}^JO||19800101|F`,
  'ORC|RE||FDOSE-1^TESTPHARM',
  'RXA|0|1|20250301||140^Influenza IIV3 PF^CVX|0.5|mL^mL^UCUM||00^New record^NIP001|1234567893^PHARMACIST^PAT^^^^^^^^^^NPI|||||LOT-F1|20251231|PMC^Sanofi Pasteur^MVX|||CP|A',
  'RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163',
  'ORC|RE||FDOSE-0^TESTPHARM',
  'RXA|0|1|20240901||88^Influenza, unspecified^CVX|999|||01^Historical^NIP001|||||||||||CP|A',
);
const RDS = hl7(
  'MSH|^~\\&|RXSYS|TESTPHARM|RXBRIDGE|BILLING|20250305100000||RDS^O13^RDS_O13|FHIR-RDS-1|P|2.5.1',
  `PID|1||${PATIENT}^^^TESTPHARM^MR||${FAMILY}^JO||19800101|F`,
  'ORC|RE|FORD-1',
  'RXD|1|00093-7180-56^Atorvastatin 20 mg^NDC|20250305|30|TAB^Tablet||FRX-1',
  'ZRX|1||30',
);

interface Answer {
  status: number;
  json: any;
  type: string | null;
}

describe('the FHIR R4 API', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: ProjectDirs;
  let engine: Engine;
  let client: MllpTestClient;
  const prefix = `rxbf${crypto.randomBytes(4).toString('hex')}`;
  const tokens: Record<'operator' | 'viewer', string> = { operator: '', viewer: '' };

  async function get(url: string, token: string | null = tokens.operator): Promise<Answer> {
    const res = await fetch(`http://127.0.0.1:${engine.httpAddress()!.port}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text), type: res.headers.get('content-type') };
  }

  const auditEvents = () => engine.store.db.selectFrom('audit_events').selectAll().orderBy('id').execute();

  beforeAll(async () => {
    db = await createTestDatabase();
    const mllpPort = await freePort();
    project = tempProject({ mllpPort });
    engine = await startEngine({
      channelsDir: project.channelsDir, mappingsDir: project.mappingsDir, dataDir: project.dataDir,
      databaseUrl: db.url, redisUrl: REDIS_URL, httpHost: '127.0.0.1', httpPort: 0, adminToken: BOOTSTRAP, env: {},
      logger: createLogger({ silent: true }), queuePrefix: prefix, sweepIntervalMs: 500, sweepOlderThanMs: 3000,
    });
    client = await connectMllp(mllpPort);
    for (const m of [ADT, VXU, RDS, ADT_ODD]) {
      client.sendFrame(m);
      expect(await client.nextReply(10_000)).toContain('MSA|AA|');
    }
    await waitFor(
      async () => (await engine.store.db.selectFrom('messages').select('status').execute()).every((r) => r.status === 'processed'),
      30_000,
      'the messages processed',
    );
    const port = engine.httpAddress()!.port;
    for (const [username, role] of [['fhirop', 'operator'], ['fhirview', 'viewer']] as const) {
      const post = (url: string, body: unknown, token?: string) =>
        fetch(`http://127.0.0.1:${port}${url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
      expect((await post('/api/users', { username, password: `${username}-password-123`, role }, BOOTSTRAP)).status).toBe(201);
      const login = await post('/api/login', { username, password: `${username}-password-123` });
      tokens[role] = ((await login.json()) as { token: string }).token;
    }
  });

  afterAll(async () => {
    await client?.close();
    await engine?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await db?.drop();
    project?.cleanup();
  });

  test('metadata: a valid CapabilityStatement as application/fhir+json, for a viewer too', async () => {
    const res = await get('/fhir/R4/metadata', tokens.viewer);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/fhir+json; charset=utf-8');
    expect(res.json).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    expect(res.json.rest[0].resource.map((r: { type: string }) => r.type)).toEqual(['Immunization', 'MedicationDispense', 'ChargeItem', 'Patient', 'Coverage']);
    expect(validateResource(res.json)).toEqual([]);
  });

  test('roles: no token is 401, a viewer searching patient data is 403, both as OperationOutcomes', async () => {
    const none = await get(`/fhir/R4/Immunization?patient=${PATIENT}`, null);
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    const viewer = await get(`/fhir/R4/Immunization?patient=${PATIENT}`, tokens.viewer);
    expect(viewer.status).toBe(403);
    expect(viewer.json).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    expect(validateResource(viewer.json)).toEqual([]);
  });

  test('Immunization search by patient and date: a searchset of valid resources, audited with ids only', async () => {
    const all = await get(`/fhir/R4/Immunization?patient=Patient/${PATIENT}`);
    expect(all.status).toBe(200);
    expect(all.type).toBe('application/fhir+json; charset=utf-8');
    expect(validateResource(all.json)).toEqual([]);
    expect(all.json).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
    const dates = all.json.entry.map((e: any) => e.resource.occurrenceDateTime).sort();
    expect(dates).toEqual(['2024-09-01', '2025-03-01']);
    expect(all.json.entry[0].fullUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir\/R4\/Immunization\/\d+-imm-\d$/);

    const in2025 = await get(`/fhir/R4/Immunization?patient=${PATIENT}&date=ge2025-01-01&date=le2025-12-31`);
    expect(in2025.json.entry.map((e: any) => e.resource)).toEqual([
      expect.objectContaining({ lotNumber: 'LOT-F1', status: 'completed', primarySource: true, patient: { reference: `Patient/${PATIENT}` } }),
    ]);
    const before = await get(`/fhir/R4/Immunization?patient=${PATIENT}&date=lt2025-03`);
    expect(before.json.entry.map((e: any) => e.resource.primarySource)).toEqual([false]);
    const nobody = await get('/fhir/R4/Immunization?patient=NOSUCHPATIENT');
    expect(nobody.json).toMatchObject({ total: 0 });

    const events = (await auditEvents()).filter((e) => e.action === 'fhir.search');
    const last = events[events.length - 1]!;
    expect(last).toMatchObject({ actor: 'fhirop', detail: { byPatient: true, type: 'Immunization', ids: [] } });
    expect(events[0]!.detail).toMatchObject({ byPatient: true, ids: expect.arrayContaining([expect.stringMatching(/^\d+-imm-\d$/)]) });
    const text = JSON.stringify(await auditEvents());
    expect(text).not.toContain(PATIENT);
    expect(text).not.toContain(FAMILY);
  });

  test('read by id: the same resource as the search, audited as fhir.read; an unknown id is 404', async () => {
    const search = await get(`/fhir/R4/Immunization?patient=${PATIENT}&date=2025-03-01`);
    const id = search.json.entry[0].resource.id as string;
    const one = await get(`/fhir/R4/Immunization/${id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual(search.json.entry[0].resource);
    const events = await auditEvents();
    expect(events[events.length - 1]).toMatchObject({ action: 'fhir.read', target_type: 'immunization', target_id: id, actor: 'fhirop' });

    for (const url of ['/fhir/R4/Immunization/999999-imm-1', '/fhir/R4/Immunization/bad%20id', '/fhir/R4/ChargeItem/charge-999999', '/fhir/R4/Coverage/h-00']) {
      const missing = await get(url);
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    }
  });

  test('MedicationDispense, ChargeItem, Patient and Coverage from the stored messages and records', async () => {
    const md = await get(`/fhir/R4/MedicationDispense?patient=${PATIENT}&date=ge2025-03-05`);
    expect(validateResource(md.json)).toEqual([]);
    expect(md.json.entry.map((e: any) => e.resource)).toEqual([
      expect.objectContaining({ daysSupply: expect.objectContaining({ value: 30 }), identifier: [expect.objectContaining({ value: 'FRX-1' })] }),
    ]);

    const charges = await get(`/fhir/R4/ChargeItem?patient=${PATIENT}`);
    expect(validateResource(charges.json)).toEqual([]);
    const codes = charges.json.entry.map((e: any) => e.resource.code.coding[0].code).sort();
    expect(codes).toEqual(['00093718056', '90471', '90656']);
    const march5 = await get(`/fhir/R4/ChargeItem?patient=${PATIENT}&date=2025-03-05`);
    expect(march5.json.entry.map((e: any) => e.resource.code.coding[0].code)).toEqual(['00093718056']);
    const chargeId = march5.json.entry[0].resource.id as string;
    expect((await get(`/fhir/R4/ChargeItem/${chargeId}`)).json).toEqual(march5.json.entry[0].resource);

    const patient = await get(`/fhir/R4/Patient/${PATIENT}`);
    expect(patient.status).toBe(200);
    expect(patient.json).toMatchObject({ resourceType: 'Patient', name: [{ family: FAMILY }], birthDate: '1980-01-01', gender: 'female' });
    expect(validateResource(patient.json)).toEqual([]);
    const byIdentifier = await get(`/fhir/R4/Patient?identifier=${PATIENT}`);
    expect(byIdentifier.json.entry.map((e: any) => e.resource)).toEqual([patient.json]);
    const events = await auditEvents();
    const patientRead = events.filter((e) => e.action === 'fhir.read' && e.target_type === 'patient');
    expect(patientRead).toHaveLength(1);
    expect(patientRead[0]!.target_id).toMatch(/^patient:\d+$/);

    const coverage = await get(`/fhir/R4/Coverage?patient=${PATIENT}`);
    expect(validateResource(coverage.json)).toEqual([]);
    const [cov] = coverage.json.entry.map((e: any) => e.resource);
    expect(cov).toMatchObject({ subscriberId: 'COM-M-0001', beneficiary: { reference: `Patient/${PATIENT}` }, relationship: { coding: [{ code: 'self' }] } });
    expect((await get(`/fhir/R4/Coverage/${cov.id}`)).json).toEqual(cov);
    expect(JSON.stringify(await auditEvents())).not.toContain(PATIENT);
  });

  test('a patient ref that is no FHIR id: its hashed Patient id reads the Patient and finds its Coverage', async () => {
    const id = patientId(ODD_PATIENT);
    expect(id).toMatch(/^h-[0-9a-f]{40}$/);
    const patient = await get(`/fhir/R4/Patient/${id}`);
    expect(patient.status).toBe(200);
    expect(patient.json).toMatchObject({ id, identifier: [{ value: ODD_PATIENT }] });
    const coverage = await get(`/fhir/R4/Coverage?patient=Patient/${id}`);
    expect(coverage.json.entry.map((e: any) => e.resource.beneficiary)).toEqual([{ reference: `Patient/${id}` }]);
    expect((await get(`/fhir/R4/Patient/h-${'0'.repeat(40)}`)).status).toBe(404);
  });

  test('bad requests: unknown type, unknown parameter, bad date, a search without patient: 4xx OperationOutcomes', async () => {
    const cases: Array<[string, number, string]> = [
      ['/fhir/R4/Observation?patient=X', 404, 'not-supported'],
      [`/fhir/R4/Immunization?patient=${PATIENT}&vaccine-code=140`, 400, 'invalid'],
      [`/fhir/R4/Immunization?patient=${PATIENT}&date=yesterday`, 400, 'invalid'],
      [`/fhir/R4/Coverage?patient=${PATIENT}&date=ge2025-01-01`, 400, 'invalid'],
      ['/fhir/R4/ChargeItem', 400, 'invalid'],
      ['/fhir/R4/Patient', 400, 'invalid'],
      [`/fhir/R4/Immunization?patient=${PATIENT}&identifier=FDOSE-1`, 400, 'invalid'],
      [`/fhir/R4/Coverage?patient=${PATIENT}&_format=xml`, 400, 'invalid'],
    ];
    for (const [url, status, code] of cases) {
      const res = await get(url);
      expect([url, res.status]).toEqual([url, status]);
      expect(res.type).toBe('application/fhir+json; charset=utf-8');
      expect(res.json).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code }] });
    }
  });
});
