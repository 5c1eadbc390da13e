/**
 * The `fhir` connector against a FHIR receiver started here on a loopback port. The receiver validates every body
 * against the R4 schema (src/fhir/validate.ts) and answers as its test asks: 2xx → delivered, 4xx with an
 * OperationOutcome → rejected with the issue codes (diagnostics only in receiverText), 500 / no answer / nothing
 * listening → retry; an invalid resource is refused before it is sent.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/core/logger';
import { fhirConnectorFactory, fhirConnectorOptions } from '../../src/destinations/fhir-connector';
import { connectorFactory } from '../../src/destinations/connectors';
import type { Connector, OutboundPayload } from '../../src/destinations/ports';
import { fhirTransformer, validateResource } from '../../src/fhir';
import { makeCerts } from './certs';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  issues: unknown[];
}

const VXU = [
  'MSH|^~\\&|RXSYS|TESTPHARM|IIS|STATE|20250301093000||VXU^V04^VXU_V04|VXU-0009|P|2.5.1',
  'PID|1||TESTPAT0009^^^TESTPHARM^MR||TESTPATIENT^KIM||19900304|F',
  'ORC|RE||DOSE-9^TESTPHARM',
  'RXA|0|1|20250301||140^Influenza IIV3 PF^CVX|0.5|mL^mL^UCUM||00^New record^NIP001||||||LOT-9|20251231|PMC^Sanofi Pasteur^MVX|||CP|A',
].join('\r');
const ADT = [
  'MSH|^~\\&|RXSYS|TESTPHARM|RXBRIDGE|BILLING|20250301090000||ADT^A04^ADT_A01|ADT-0009|P|2.5.1',
  'PID|1||TESTPAT0009^^^TESTPHARM^MR||TESTPATIENT^KIM||19900304|F',
].join('\r');

let server: http.Server;
let base: string;
let received: Received[] = [];
/** What the receiver answers next: status and body (default 200 with the resource back). */
let answer: (r: Received) => { status: number; body?: unknown; hang?: boolean } = () => ({ status: 200 });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-connector-'));
const open: Connector[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, issues: body ? validateResource(body) : [] };
      received.push(r);
      const a = r.issues.length > 0 ? { status: 400, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'structure' }] } } : answer(r);
      if (a.hang) return; // never answers: the connector's timeout decides
      res.writeHead(a.status, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(a.body ?? body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir/R4`;
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  answer = () => ({ status: 200 });
});

function connector(options: Record<string, unknown>): Connector {
  const c = fhirConnectorFactory.create(fhirConnectorOptions.parse({ baseUrl: base, ...options }), { logger: silentLogger, baseDir: tmp });
  open.push(c);
  return c;
}

function payload(resource: string, content: string, messageId = '60'): OutboundPayload {
  const body = JSON.stringify(fhirTransformer(resource)!({ messageId, channel: 'pharmacy-inbound', content }));
  return { format: 'fhir', body, contentType: 'application/fhir+json', deliveryKey: `${messageId}:iis`, messageId, channel: 'pharmacy-inbound', destination: 'iis' };
}

const live = () => new AbortController().signal;

test('the connector list has the fhir type with its options schema', () => {
  expect(connectorFactory('fhir')).toBe(fhirConnectorFactory);
  expect(fhirConnectorOptions.safeParse({ baseUrl: base, mode: 'upsert' }).success).toBe(false);
  expect(fhirConnectorOptions.safeParse({ baseUrl: base, extra: 1 }).success).toBe(false);
  expect(fhirConnectorOptions.safeParse({ baseUrl: 'ftp://x' }).success).toBe(false);
  expect(fhirConnectorOptions.safeParse({ baseUrl: base, auth: { type: 'bearer' } }).success).toBe(false);
  expect(fhirConnectorOptions.safeParse({ baseUrl: base, tls: { certFile: 'c.pem', keyFile: 'k.pem' } }).success).toBe(false);
});

test('update: PUT <type>/<id> with a bearer token from the environment; the receiver finds it valid R4; 200 is delivered', async () => {
  process.env.FHIR_TEST_TOKEN = 'token-abc';
  const c = connector({ mode: 'update', auth: { type: 'bearer', tokenEnv: 'FHIR_TEST_TOKEN' } });
  const result = await c.send(payload('Immunization', VXU), live());
  expect(result).toEqual({ kind: 'delivered', detail: 'HTTP 200' });
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ method: 'PUT', url: '/fhir/R4/Immunization/60-imm-1', issues: [] });
  expect(received[0]!.headers).toMatchObject({ authorization: 'Bearer token-abc', 'content-type': 'application/fhir+json; charset=utf-8', 'x-request-id': '60:iis' });
  expect(received[0]!.body).toMatchObject({ resourceType: 'Immunization', lotNumber: 'LOT-9' });
});

test('create: POST <type> without the id, basic auth with the password from a file; 201 is delivered', async () => {
  fs.writeFileSync(path.join(tmp, 'fhir-password'), 's3cret\n');
  const c = connector({ mode: 'create', auth: { type: 'basic', username: 'rxbridge', passwordFile: 'fhir-password' } });
  answer = () => ({ status: 201 });
  expect(await c.send(payload('Patient', ADT), live())).toEqual({ kind: 'delivered', detail: 'HTTP 201' });
  expect(received[0]).toMatchObject({ method: 'POST', url: '/fhir/R4/Patient', issues: [] });
  expect((received[0]!.body as { id?: string }).id).toBeUndefined();
  expect(received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('rxbridge:s3cret').toString('base64')}`);
});

test('transaction: one resource goes as a transaction Bundle POSTed to the base', async () => {
  const c = connector({ mode: 'transaction' });
  expect((await c.send(payload('Patient', ADT), live())).kind).toBe('delivered');
  expect(received[0]).toMatchObject({ method: 'POST', url: '/fhir/R4', issues: [] });
  expect(received[0]!.body).toMatchObject({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PUT', url: 'Patient/TESTPAT0009' } }] });
});

test('a transformer Bundle (several resources) is POSTed to the base in update mode too', async () => {
  const c = connector({ mode: 'update' });
  expect((await c.send(payload('Bundle', VXU), live())).kind).toBe('delivered');
  expect(received[0]).toMatchObject({ method: 'POST', url: '/fhir/R4', issues: [] });
});

test('4xx with an OperationOutcome is rejected with its issue codes; its diagnostics only in receiverText', async () => {
  answer = () => ({
    status: 422,
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'Patient TESTPATIENT KIM is not enrolled' }] },
  });
  const result = await connector({}).send(payload('Immunization', VXU), live());
  expect(result).toEqual({
    kind: 'rejected',
    error: 'FHIR server answered HTTP 422: OperationOutcome business-rule',
    receiverText: 'Patient TESTPATIENT KIM is not enrolled',
  });
});

test('4xx without an OperationOutcome is rejected too', async () => {
  answer = () => ({ status: 404, body: 'no such endpoint' });
  expect(await connector({}).send(payload('Patient', ADT), live())).toEqual({
    kind: 'rejected',
    error: 'FHIR server answered HTTP 404: no OperationOutcome',
  });
});

test('500, 429 and 408 are retried', async () => {
  for (const status of [500, 503, 429, 408]) {
    answer = () => ({ status, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception' }] } });
    expect(await connector({}).send(payload('Patient', ADT), live())).toEqual({ kind: 'retry', error: `FHIR server answered HTTP ${status}` });
  }
});

test('no answer within timeoutMs, nothing listening, a missing secret, an aborted send: retry', async () => {
  answer = () => ({ status: 200, hang: true });
  expect(await connector({ timeoutMs: 300 }).send(payload('Patient', ADT), live())).toEqual({ kind: 'retry', error: 'FHIR server not reached: TIMEOUT' });

  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const unreachable = fhirConnectorFactory.create(fhirConnectorOptions.parse({ baseUrl: `http://127.0.0.1:${port}` }), { logger: silentLogger, baseDir: tmp });
  open.push(unreachable);
  expect(await unreachable.send(payload('Patient', ADT), live())).toEqual({ kind: 'retry', error: 'FHIR server not reached: ECONNREFUSED' });

  delete process.env.FHIR_TEST_MISSING;
  const noSecret = await connector({ auth: { type: 'bearer', tokenEnv: 'FHIR_TEST_MISSING' } }).send(payload('Patient', ADT), live());
  expect(noSecret).toEqual({ kind: 'retry', error: 'fhir connector: the bearer token variable FHIR_TEST_MISSING is not set' });

  answer = () => ({ status: 200, hang: true });
  const ac = new AbortController();
  const pending = connector({}).send(payload('Patient', ADT), ac.signal);
  setTimeout(() => ac.abort(), 100);
  expect(await pending).toEqual({ kind: 'retry', error: 'FHIR server not reached: ABORTED' });
});

test('an invalid resource is rejected with its paths and never sent', async () => {
  const bad = JSON.stringify({ resourceType: 'Immunization', id: 'x', status: 'done', vaccineCode: { coding: [{ code: '140' }] }, patient: { reference: 'Patient/p' }, occurrenceDateTime: '2025-03-01', colour: 'red' });
  const result = await connector({}).send({ ...payload('Patient', ADT), body: bad }, live());
  expect(result.kind).toBe('rejected');
  expect((result as { error: string }).error).toContain('Immunization.colour: unknown element');
  expect((result as { error: string }).error).toContain('Immunization.status: must be one of');
  expect(received).toHaveLength(0);
});

test('https with mutual TLS: the client certificate opens the server; without it the handshake fails and is retried', async () => {
  const dir = path.join(tmp, 'tls');
  fs.mkdirSync(dir);
  makeCerts(dir);
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  const seen: unknown[] = [];
  const secure = https.createServer({ cert: read('server.crt'), key: read('server.key'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    seen.push((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN);
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/fhir+json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
  const baseUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/R4`;
  try {
    const mtls = connector({ baseUrl, tls: { caFile: 'tls/ca.crt', certFile: 'tls/client.crt', keyFile: 'tls/client.key' } });
    expect(await mtls.send(payload('Patient', ADT), live())).toEqual({ kind: 'delivered', detail: 'HTTP 201' });
    expect(seen).toHaveLength(1);
    const noClientCert = connector({ baseUrl, tls: { caFile: 'tls/ca.crt' } });
    const refused = await noClientCert.send(payload('Patient', ADT), live());
    expect(refused.kind).toBe('retry');
    expect(seen).toHaveLength(1);
    expect(() => connector({ baseUrl, tls: { caFile: 'tls/missing.crt' } })).toThrow(`fhir connector: tls.caFile ${path.join(dir, 'missing.crt')} cannot be read (ENOENT)`);
    fs.chmodSync(path.join(dir, 'client.key'), 0o644);
    expect(() => connector({ baseUrl, tls: { certFile: 'tls/client.crt', keyFile: 'tls/client.key' } })).toThrow('a secret key must be private');
  } finally {
    secure.closeAllConnections();
    await new Promise((resolve) => secure.close(resolve));
  }
});
