/**
 * The sample channel's own destination, switched on: a VXU taken in over MLLP reaches a state registry of the
 * test's own through the CDC IIS SOAP interface (`submitSingleMessage`, with the registry's MSH-5/MSH-6 set by the
 * channel's transform), and the same message reaches a FHIR server as an R4 transaction Bundle that the server
 * checks against the R4 schema. Both deliveries are recorded on the message; a registry fault that names the
 * credentials is a destination dead letter, not a retry loop.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { child, readXml, textOf } from '../../src/destinations/xml';
import { IIS_NS, SOAP12_NS } from '../../src/destinations/registry-soap';
import { validateResource } from '../../src/fhir';
import { startHarness, type Harness } from './engine-harness';
import { ROOT, waitFor } from './support';

jest.setTimeout(90_000);

const VXU = fs.readFileSync(path.join(ROOT, '../shared/corpus/hl7/microsoft__FHIR-Converter__VXU.hl7'), 'utf8').replace(/\r?\n/g, '\r').trim();

interface RegistryCall {
  username: string;
  password: string;
  facility: string;
  hl7: string;
}

const field = (hl7: string, segment: string, n: number) =>
  (hl7.split('\r').find((s) => s.startsWith(`${segment}|`)) ?? '').split('|')[segment === 'MSH' ? n - 1 : n] ?? '';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');

/** A registry answering like a CDC IIS SOAP 1.2 endpoint: AA for the message's MSH-10, or a SecurityFault. */
async function startRegistry(): Promise<{ port: number; calls: RegistryCall[]; refuse: boolean; close(): Promise<void> }> {
  const state = { calls: [] as RegistryCall[], refuse: false };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = child(readXml(Buffer.concat(chunks).toString('utf8')), 'Body', SOAP12_NS);
      const request = child(body, 'submitSingleMessage', IIS_NS);
      const call = {
        username: textOf(child(request, 'username', IIS_NS)),
        password: textOf(child(request, 'password', IIS_NS)),
        facility: textOf(child(request, 'facilityID', IIS_NS)),
        hl7: textOf(child(request, 'hl7Message', IIS_NS)),
      };
      state.calls.push(call);
      res.writeHead(state.refuse ? 500 : 200, { 'content-type': 'application/soap+xml; charset=utf-8' });
      if (state.refuse) {
        res.end(
          `<?xml version="1.0"?><soap:Envelope xmlns:soap="${SOAP12_NS}"><soap:Body><soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>` +
            `<soap:Reason><soap:Text xml:lang="en">Security fault</soap:Text></soap:Reason><soap:Detail><SecurityFault xmlns="${IIS_NS}">` +
            `<Code>10</Code><Reason>Security</Reason><Detail>bad password</Detail></SecurityFault></soap:Detail></soap:Fault></soap:Body></soap:Envelope>`,
        );
        return;
      }
      const ack = `MSH|^~\\&|IIS|STATEIIS|RXBRIDGE|PHARM|20250301120001||ACK^V04^ACK|A${state.calls.length}|P|2.5.1\rMSA|AA|${field(call.hl7, 'MSH', 10)}\r`;
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="${SOAP12_NS}"><env:Body>` +
          `<submitSingleMessageResponse xmlns="${IIS_NS}"><return>${xmlEscape(ack)}</return></submitSingleMessageResponse></env:Body></env:Envelope>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A FHIR server that takes transaction Bundles and refuses anything R4 does not allow. */
async function startFhirServer(): Promise<{ port: number; bundles: Array<{ body: any; issues: unknown[] }>; close(): Promise<void> }> {
  const bundles: Array<{ body: any; issues: unknown[] }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const issues = validateResource(body);
      bundles.push({ body, issues });
      res.writeHead(issues.length > 0 ? 400 : 200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(issues.length > 0 ? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'structure' }] } : { resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    bundles,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the sample channel forwards immunizations', () => {
  let h: Harness;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let fhir: Awaited<ReturnType<typeof startFhirServer>>;

  beforeAll(async () => {
    registry = await startRegistry();
    fhir = await startFhirServer();
    process.env.IIS_PASSWORD = 'registry-secret';
    const sample = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8');
    // The sample as an operator would switch it on: enabled, and a FHIR server beside the registry (the list is the
    // file's last key, so an entry appended at the end joins it).
    const channelYaml =
      sample.replace(/(- name: state-registry\n\s+enabled: )false/, '$1true') +
      `
  - name: ehr-fhir
    types: [VXU^V04]
    transform: { fhir: Bundle }
    retry: { attempts: 3, backoffMs: 50, maxBackoffMs: 100 }
    connector: { type: fhir, baseUrl: "http://127.0.0.1:${fhir.port}/fhir/R4", mode: transaction }
`;
    expect(channelYaml).toContain('enabled: true\n    types: [VXU^V04]');
    h = await startHarness({
      store: 'postgres',
      channelYaml,
      config: { deliveryPollMs: 50 },
      env: { IIS_URL: `http://127.0.0.1:${registry.port}/iis`, IIS_USERNAME: 'PHARM-USER', IIS_FACILITY_ID: '04321' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await registry?.close();
    await fhir?.close();
    delete process.env.IIS_PASSWORD;
  });

  test('a VXU reaches the registry over SOAP and the FHIR server as a valid R4 Bundle; both deliveries are on the message', async () => {
    expect(await h.send(VXU)).toContain('MSA|AA|');
    await waitFor(() => registry.calls.length === 1 && fhir.bundles.length === 1, 30_000, 'one delivery to each receiver');
    const call = registry.calls[0]!;
    expect(call).toMatchObject({ username: 'PHARM-USER', password: 'registry-secret', facility: '04321' });
    expect(field(call.hl7, 'MSH', 9)).toMatch(/^VXU\^V04/);
    expect(field(call.hl7, 'MSH', 5)).toBe('IIS');
    expect(field(call.hl7, 'MSH', 6)).toBe('STATEIIS');
    expect(field(call.hl7, 'RXA', 5)).toBe(field(VXU, 'RXA', 5));
    const bundle = fhir.bundles[0]!;
    expect(bundle.issues).toEqual([]);
    expect(bundle.body.type).toBe('transaction');
    expect(bundle.body.entry.map((e: any) => e.resource.resourceType)).toContain('Immunization');

    const row = await h.engine.store.db.selectFrom('messages').select('id').where('message_type', 'like', 'VXU%').executeTakeFirstOrThrow();
    await waitFor(
      async () => {
        const detail = await h.api('GET', `/api/messages/${row.id}`);
        const states = (detail.json.deliveries as Array<{ destination: string; state: string }>).map((d) => `${d.destination}:${d.state}`);
        return states.sort().join(',') === 'ehr-fhir:delivered,state-registry:delivered';
      },
      20_000,
      'both deliveries recorded as delivered',
    );
  });

  test('a registry that refuses the credentials makes a dead letter of the delivery at once, with the fault', async () => {
    registry.refuse = true;
    const second = VXU.replace(/\|13696\|/g, '|13697|').replace(/^(MSH(?:\|[^|]*){8}\|)[^|]*/, '$1VXU-SAMPLE-2');
    expect(await h.send(second)).toContain('MSA|AA|');
    await waitFor(() => registry.calls.length === 2, 30_000, 'the second message sent to the registry');
    let failed: unknown;
    await waitFor(
      async () => {
        const list = await h.api('GET', '/api/destinations/pharmacy-inbound/state-registry/failed');
        failed = list.json;
        return list.status === 200 && (list.json.deliveries ?? list.json).length === 1;
      },
      20_000,
      'one dead letter of the registry destination',
    );
    expect(JSON.stringify(failed)).toMatch(/Security/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(registry.calls).toHaveLength(2); // not retried
  });
});
