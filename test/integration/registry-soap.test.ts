/**
 * The registry-soap connector against a registry of the test's own (a real HTTP server on loopback answering like a
 * CDC IIS SOAP 1.2 endpoint): the request envelope it sends, and what each answer (AA, AE, AR, SecurityFault,
 * MessageTooLargeFault, UnknownFault, HTTP 500, silence, a closed port) becomes.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../src/core/logger';
import { connectorFactory } from '../../src/destinations/connectors';
import type { Connector, OutboundPayload } from '../../src/destinations/ports';
import { registrySoapConnector, IIS_NS, SOAP12_NS, type RegistrySoapOptions } from '../../src/destinations/registry-soap';
import { child, readXml, textOf } from '../../src/destinations/xml';
import { makeCerts } from './certs';
import { freePort } from './support';

const VXU =
  'MSH|^~\\&|RXBRIDGE|PHARM1|IIS|STATE|20250301120000||VXU^V04^VXU_V04|VXU-0001|P|2.5.1|||ER|AL\r' +
  'PID|1||TESTPAT0001^^^PHARM1^MR||DOE&<JR>^JANE||19800101|F\r' +
  'RXA|0|1|20250301|20250301|141^Influenza^CVX|0.5|mL\r';

const payload = (over: Partial<OutboundPayload> = {}): OutboundPayload => ({
  format: 'hl7v2',
  body: VXU,
  contentType: 'application/hl7-v2',
  controlId: 'VXU-0001',
  deliveryKey: '42:registry',
  messageId: '42',
  channel: 'pharmacy-inbound',
  destination: 'registry',
  ...over,
});

const ack = (code: string, controlId = 'VXU-0001', extra = '') =>
  `MSH|^~\\&|IIS|STATE|RXBRIDGE|PHARM1|20250301120001||ACK^V04^ACK|A1|P|2.5.1\rMSA|${code}|${controlId}\r${extra}`;

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
const okEnvelope = (hl7: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="${SOAP12_NS}"><env:Body>` +
  `<submitSingleMessageResponse xmlns="${IIS_NS}"><return>${xmlEscape(hl7)}</return></submitSingleMessageResponse></env:Body></env:Envelope>`;
const faultEnvelope = (code: string, detail: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP12_NS}"><soap:Body><soap:Fault>` +
  `<soap:Code><soap:Value>soap:${code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">failed</soap:Text></soap:Reason>` +
  `<soap:Detail>${detail}</soap:Detail></soap:Fault></soap:Body></soap:Envelope>`;
const cdcFault = (name: string, code: string, reason: string, detail: string) =>
  `<${name} xmlns="${IIS_NS}"><Code>${code}</Code><Reason>${reason}</Reason><Detail>${detail}</Detail></${name}>`;

interface Seen {
  contentType: string;
  body: string;
}

describe('registry-soap connector against a SOAP registry', () => {
  let server: http.Server;
  let port: number;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const seen: Seen[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxb-soap-'));
  fs.writeFileSync(path.join(dir, 'registry.pw'), 'p&ss<word>\n');
  const connectors: Connector[] = [];
  const connect = (over: Partial<RegistrySoapOptions> = {}) => {
    const options = registrySoapConnector.options.parse({
      url: `http://127.0.0.1:${port}/iis`,
      username: 'rxbridge',
      passwordFile: 'registry.pw',
      facilityId: 'PHARM1',
      timeoutSeconds: 2,
      ...over,
    });
    const c = registrySoapConnector.create(options, { logger: silentLogger, baseDir: dir });
    connectors.push(c);
    return c;
  };
  const send = (c: Connector, p = payload()) => c.send(p, new AbortController().signal);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ contentType: String(req.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') });
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const c of connectors) await c.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen.length = 0;
  });
  const reply = (status: number, body: string) => {
    answer = (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/soap+xml; charset=utf-8' });
      res.end(body);
    };
  };

  it('is listed among the connector factories as registry-soap', () => {
    expect(connectorFactory('registry-soap')).toBe(registrySoapConnector);
  });

  it('sends a SOAP 1.2 submitSingleMessage with the credentials and the HL7 escaped intact, and an AA is delivered', async () => {
    reply(200, okEnvelope(ack('AA')));
    const result = await send(connect());
    expect(result).toEqual({ kind: 'delivered', detail: 'MSA AA' });
    expect(seen).toHaveLength(1);
    const req = seen[0] as Seen;
    expect(req.contentType).toBe('application/soap+xml; charset=utf-8; action="urn:cdc:iisb:2011:submitSingleMessage"');
    // Segment ends travel as character references, so an XML parser cannot fold them into LF.
    expect(req.body).toContain('&#13;PID|1');
    expect(req.body).not.toContain('\r');
    const env = readXml(req.body);
    expect([env.name, env.ns]).toEqual(['Envelope', SOAP12_NS]);
    const submit = child(child(env, 'Body', SOAP12_NS), 'submitSingleMessage', IIS_NS);
    expect(textOf(child(submit, 'username', IIS_NS))).toBe('rxbridge');
    expect(textOf(child(submit, 'password', IIS_NS))).toBe('p&ss<word>');
    expect(textOf(child(submit, 'facilityID', IIS_NS))).toBe('PHARM1');
    expect(textOf(child(submit, 'hl7Message', IIS_NS))).toBe(VXU);
  });

  it('reuses its connection for the next message (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    answer = (req, res) => {
      sockets.add(req.socket);
      res.writeHead(200, { 'content-type': 'application/soap+xml' });
      res.end(okEnvelope(ack('AA')));
    };
    const c = connect();
    for (let i = 0; i < 3; i++) expect((await send(c)).kind).toBe('delivered');
    expect(sockets.size).toBe(1);
  });

  it('an AE is delivered with the ERR codes in the detail, or rejected when applicationError is rejected', async () => {
    const err = 'ERR||RXA^1^5|103^Table value not found^HL70357|W|5^Vaccine code unknown^L|||Unknown CVX code\r';
    reply(200, okEnvelope(ack('AE', 'VXU-0001', err)));
    const delivered = await send(connect());
    expect(delivered.kind).toBe('delivered');
    expect(delivered.kind === 'delivered' && delivered.detail).toBe(
      'MSA AE: ERR 103 Table value not found 5 Vaccine code unknown (W, RXA-1-5): Unknown CVX code',
    );
    const rejected = await send(connect({ applicationError: 'rejected' }));
    expect(rejected).toEqual({ kind: 'rejected', error: expect.stringContaining('the registry reported errors: MSA AE') });
  });

  it('an AR is rejected with its ERR code and text; an ACK for another control id is rejected', async () => {
    reply(200, okEnvelope(ack('AR', 'VXU-0001', 'ERR||MSH^1^12|203^Unsupported version id^HL70357|E||||Version not supported\r')));
    const ar = await send(connect());
    expect(ar).toEqual({
      kind: 'rejected',
      error: 'the registry rejected the message: MSA AR: ERR 203 Unsupported version id (E, MSH-1-12): Version not supported',
    });
    reply(200, okEnvelope(ack('AA', 'OTHER-9')));
    expect(await send(connect())).toEqual({
      kind: 'rejected',
      error: "the registry's ACK is for control id OTHER-9, not VXU-0001 (MSA-2 does not match)",
    });
  });

  it('a SecurityFault and a MessageTooLargeFault are rejected; an UnknownFault is retried', async () => {
    reply(500, faultEnvelope('Sender', cdcFault('SecurityFault', '10', 'Security', 'Invalid Username, Password or FacilityID')));
    expect(await send(connect())).toEqual({
      kind: 'rejected',
      error: 'the registry answered SecurityFault (10: Security: Invalid Username, Password or FacilityID): check the username, password and facilityId',
    });
    reply(500, faultEnvelope('Sender', cdcFault('MessageTooLargeFault', '30', 'MessageTooLarge', 'limit 1000')));
    expect(await send(connect())).toMatchObject({ kind: 'rejected', error: expect.stringContaining('MessageTooLargeFault (30') });
    reply(500, faultEnvelope('Receiver', cdcFault('fault', '500', 'Database unavailable', 'try later')));
    expect(await send(connect())).toEqual({
      kind: 'retry',
      error: 'the registry answered UnknownFault (500: Database unavailable: try later)',
    });
  });

  it('a bare SOAP fault: Sender is rejected, Receiver is retried', async () => {
    reply(400, faultEnvelope('Sender', ''));
    expect(await send(connect())).toMatchObject({ kind: 'rejected', error: 'the registry answered a SOAP fault soap:Sender: failed' });
    reply(500, faultEnvelope('Receiver', ''));
    expect(await send(connect())).toMatchObject({ kind: 'retry' });
  });

  it('HTTP 500 without a SOAP body is retried; HTTP 404 is rejected', async () => {
    answer = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body>Internal error</body></html>');
    };
    expect(await send(connect())).toEqual({ kind: 'retry', error: 'the registry answered HTTP 500' });
    answer = (_req, res) => {
      res.writeHead(404);
      res.end('not found');
    };
    expect(await send(connect())).toEqual({ kind: 'rejected', error: 'the registry answered HTTP 404' });
  });

  it('a registry that never answers is retried after the timeout; an abort answers retry at once', async () => {
    answer = () => undefined; // silence
    const started = Date.now();
    const result = await send(connect({ timeoutSeconds: 1 }));
    expect(result).toEqual({ kind: 'retry', error: 'no answer from the registry within 1 s' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const ctl = new AbortController();
    const pending = connect({ timeoutSeconds: 30 }).send(payload(), ctl.signal);
    setTimeout(() => ctl.abort(), 100);
    expect(await pending).toEqual({ kind: 'retry', error: 'the delivery was stopped (shutdown or timeout)' });
  });

  it('a closed port is retried as unreachable', async () => {
    const closed = await freePort();
    const c = registrySoapConnector.create(registrySoapConnector.options.parse({ url: `http://127.0.0.1:${closed}/iis`, timeoutSeconds: 2 }), {
      logger: silentLogger,
      baseDir: dir,
    });
    connectors.push(c);
    expect(await send(c)).toEqual({ kind: 'retry', error: `the registry at 127.0.0.1:${closed} cannot be reached (ECONNREFUSED)` });
  });

  it('a missing password file is retried (and named, without a value); JSON payloads and control characters are rejected', async () => {
    reply(200, okEnvelope(ack('AA')));
    const r = await send(connect({ passwordFile: 'missing.pw' }));
    expect(r).toEqual({ kind: 'retry', error: `the registry password file ${path.join(dir, 'missing.pw')} cannot be read (ENOENT)` });
    expect(await send(connect(), payload({ format: 'json', body: '{}' }))).toMatchObject({ kind: 'rejected' });
    expect(await send(connect(), payload({ body: `${VXU}NTE|1||bell\u0007\r` }))).toMatchObject({
      kind: 'rejected',
      error: expect.stringContaining('control characters'),
    });
    expect(seen).toHaveLength(0);
  });

  it('a SOAP 1.1 registry gets text/xml with a SOAPAction header', async () => {
    let action: string | undefined;
    answer = (req, res) => {
      action = req.headers.soapaction as string;
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:submitSingleMessageResponse xmlns:ns2="${IIS_NS}">` +
          `<ns2:return><![CDATA[${ack('AA').replace(/\r/g, '\n')}]]></ns2:return></ns2:submitSingleMessageResponse></S:Body></S:Envelope>`,
      );
    };
    expect(await send(connect({ soapVersion: '1.1' }))).toEqual({ kind: 'delivered', detail: 'MSA AA' });
    expect(action).toBe('"urn:cdc:iisb:2011:submitSingleMessage"');
    expect((seen[0] as Seen).contentType).toBe('text/xml; charset=utf-8');
  });

  it('over https: trusts the registry by tls.caFile and shows its client certificate (mutual TLS); without them it is retried', async () => {
    const certs = path.join(dir, 'certs');
    fs.mkdirSync(certs);
    makeCerts(certs);
    const read = (f: string) => fs.readFileSync(path.join(certs, f));
    let clientCn: unknown;
    const tlsServer = https.createServer(
      { cert: read('server.crt'), key: read('server.key'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        clientCn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/soap+xml' });
          res.end(okEnvelope(ack('AA')));
        });
      },
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    try {
      const url = `https://127.0.0.1:${tlsPort}/iis`;
      const mutual = connect({ url, tls: { caFile: 'certs/ca.crt', certFile: 'certs/client.crt', keyFile: 'certs/client.key' } });
      expect(await send(mutual)).toEqual({ kind: 'delivered', detail: 'MSA AA' });
      expect(clientCn).toBe('client');
      const untrusted = await send(connect({ url }));
      expect(untrusted).toMatchObject({ kind: 'retry', error: expect.stringMatching(/^the registry at 127\.0\.0\.1:\d+ cannot be reached \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/) });
      const noClientCert = await send(connect({ url, tls: { caFile: 'certs/ca.crt' } }));
      expect(noClientCert.kind).toBe('retry');
      expect(await send(connect({ url, tls: { caFile: 'certs/missing.crt' } }))).toEqual({
        kind: 'retry',
        error: `the TLS CA file ${path.join(certs, 'missing.crt')} cannot be read (ENOENT)`,
      });
    } finally {
      tlsServer.closeAllConnections();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });

  it('options: a wrong key, a bad url, plain http to another machine, both password sources and half a client certificate are refused', () => {
    const bad = (o: object) => registrySoapConnector.options.safeParse({ url: 'https://iis.example.org/ws', ...o }).success;
    expect(bad({})).toBe(true);
    expect(bad({ user: 'x' })).toBe(false);
    expect(bad({ url: 'ftp://iis.example.org' })).toBe(false);
    expect(bad({ url: 'http://iis.example.org/ws' })).toBe(false);
    expect(bad({ url: 'http://localhost:8080/ws' })).toBe(true);
    expect(bad({ passwordFile: 'a', passwordEnv: 'B' })).toBe(false);
    expect(bad({ tls: { certFile: 'c.pem' } })).toBe(false);
  });
});
