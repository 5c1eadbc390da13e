/**
 * `registry-soap`: an immunization registry (IIS) through the CDC "IIS SOAP Web Service" (WSDL IISService 2011,
 * namespace urn:cdc:iisb:2011, SOAP 1.2 document/literal): operation `submitSingleMessage` with `username`,
 * `password`, `facilityID` and `hl7Message`; the answer `submitSingleMessageResponse/return` holds the registry's
 * HL7 ACK; faults `fault` (WSDL UnknownFault), `SecurityFault`, `MessageTooLargeFault`, `UnsupportedOperationFault`,
 * each with Code, Reason and Detail, inside a SOAP Fault's Detail.
 *
 * Contract (beside src/destinations/ports.ts):
 * - The HL7 text is escaped into `hl7Message` (CR as `&#13;`, so its segments survive XML line-end handling); a
 *   payload XML cannot carry (control characters) or that is not HL7 v2 is `rejected`.
 * - The answer's ACK decides (src/destinations/ack-outcome.ts): AA → delivered; AE → delivered with the ERR codes
 *   in `detail` (or rejected with `applicationError: rejected`); AR → rejected; MSA-2 must be the payload's MSH-10.
 * - SecurityFault (credentials), MessageTooLargeFault, UnsupportedOperationFault and a SOAP Sender/Client fault are
 *   `rejected`; UnknownFault, any other SOAP fault, HTTP 5xx, 408, 429, a timeout, a refused or dropped connection
 *   are `retry`. Other HTTP 4xx without a fault are `rejected`.
 * - The password is read from its file or variable at each send (never logged, never in an error). One keep-alive
 *   agent per connector reuses its connections; `tls.caFile` trusts a private CA, `tls.certFile`/`keyFile` present
 *   a client certificate (mutual TLS).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { z } from 'zod';
import { ackOutcome } from './ack-outcome';
import type { Connector, ConnectorContext, ConnectorFactory, DeliveryResult, OutboundPayload } from './ports';
import { envName, readSecretText, secretFile, secretSource } from './secret';
import { child, childElements, escapeXmlText, isXmlText, readXml, textOf, XmlError, type XmlElement } from './xml';

export const IIS_NS = 'urn:cdc:iisb:2011';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SUBMIT_ACTION = 'urn:cdc:iisb:2011:submitSingleMessage';

/** The largest answer read; a registry's ACK is a few KiB. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

const optionsSchema = z
  .strictObject({
    /** The registry's endpoint, http(s)://host[:port]/path. */
    url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// address' }),
    /** SOAP 1.2 (the WSDL's binding) or 1.1 for registries that offer only that. */
    soapVersion: z.enum(['1.2', '1.1']).default('1.2'),
    username: z.string().min(1).max(200).optional(),
    passwordFile: secretFile.optional(),
    passwordEnv: envName.optional(),
    /** facilityID: the submitting organization's id at the registry. */
    facilityId: z.string().min(1).max(200).optional(),
    timeoutSeconds: z.number().int().min(1).max(600).default(30),
    /** What an AE answer is: delivered with its errors in the detail (default), or rejected (a dead letter to review). */
    applicationError: z.enum(['delivered', 'rejected']).default('delivered'),
    tls: z
      .strictObject({
        /** PEM CA certificate(s) the registry's certificate must chain to (default: the system's CAs). */
        caFile: secretFile.optional(),
        /** Client certificate and key (PEM) for mutual TLS. */
        certFile: secretFile.optional(),
        keyFile: secretFile.optional(),
      })
      .refine((t) => !t.certFile === !t.keyFile, { error: 'tls.certFile and tls.keyFile go together (mutual TLS)' })
      .optional(),
  })
  .refine((o) => !(o.passwordFile && o.passwordEnv), { error: 'take passwordFile or passwordEnv, not both' })
  .refine((o) => isHttpsOrLoopback(o.url), {
    error: 'url must be https:// (the password and the message travel in the request); http:// only to this machine',
    path: ['url'],
  });

/** https, or http to this machine only (127.0.0.0/8, ::1, localhost): credentials and PHI never cross a network in clear. */
export function isHttpsOrLoopback(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(u.hostname);
}

export type RegistrySoapOptions = z.infer<typeof optionsSchema>;

export interface SubmitFields {
  soapVersion: '1.2' | '1.1';
  username?: string;
  password?: string;
  facilityId?: string;
  hl7: string;
}

/** The submitSingleMessage envelope; the caller has checked every text with isXmlText. Pure. */
export function submitEnvelope(f: SubmitFields): string {
  const soap = f.soapVersion === '1.2' ? SOAP12_NS : SOAP11_NS;
  const el = (name: string, v: string | undefined) => (v === undefined ? '' : `<iis:${name}>${escapeXmlText(v)}</iis:${name}>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soap:Envelope xmlns:soap="${soap}" xmlns:iis="${IIS_NS}">` +
    '<soap:Header/><soap:Body><iis:submitSingleMessage>' +
    el('username', f.username) +
    el('password', f.password) +
    el('facilityID', f.facilityId) +
    el('hl7Message', f.hl7) +
    '</iis:submitSingleMessage></soap:Body></soap:Envelope>'
  );
}

/** The request's Content-Type (and SOAPAction for 1.1) headers. */
export function soapHeaders(version: '1.2' | '1.1'): Record<string, string> {
  return version === '1.2'
    ? { 'content-type': `application/soap+xml; charset=utf-8; action="${SUBMIT_ACTION}"` }
    : { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${SUBMIT_ACTION}"` };
}

const cut = (s: string, n = 200) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

/** The CDC faults that refuse this message (or this sender) for good; `fault` (UnknownFault) is retried. */
const FINAL_FAULTS = new Set(['SecurityFault', 'MessageTooLargeFault', 'UnsupportedOperationFault']);

/** A SOAP Fault's meaning (1.2: Code/Value, Reason/Text, Detail; 1.1: faultcode, faultstring, detail). Pure. */
export function faultOutcome(fault: XmlElement): DeliveryResult {
  const v12 = fault.ns === SOAP12_NS;
  const soapCode = v12 ? textOf(child(child(fault, 'Code'), 'Value')) : textOf(child(fault, 'faultcode'));
  const reason = v12 ? textOf(child(child(fault, 'Reason'), 'Text')) : textOf(child(fault, 'faultstring'));
  const detailHolder = child(fault, 'Detail') ?? child(fault, 'detail');
  const cdc = detailHolder ? childElements(detailHolder)[0] : undefined;
  const localCode = soapCode.slice(soapCode.indexOf(':') + 1);
  if (cdc) {
    const name = cdc.name === 'fault' ? 'UnknownFault' : cdc.name;
    const parts = [textOf(child(cdc, 'Code')), textOf(child(cdc, 'Reason')), textOf(child(cdc, 'Detail'))]
      .map((p) => cut(p))
      .filter(Boolean);
    const text = `the registry answered ${name}${parts.length ? ` (${parts.join(': ')})` : ''}`;
    if (FINAL_FAULTS.has(name))
      return { kind: 'rejected', error: name === 'SecurityFault' ? `${text}: check the username, password and facilityId` : text };
    if (name === 'UnknownFault') return { kind: 'retry', error: text };
  }
  const text = `the registry answered a SOAP fault ${cut(soapCode, 60) || '(no code)'}${reason ? `: ${cut(reason)}` : ''}`;
  // Sender (1.2) / Client (1.1): the request itself is wrong, so the same request fails again.
  if (localCode === 'Sender' || localCode === 'Client') return { kind: 'rejected', error: text };
  return { kind: 'retry', error: text };
}

export interface AnswerPolicy {
  controlId?: string;
  applicationError: 'delivered' | 'rejected';
}

/** What an HTTP answer of the registry means for the delivery (see the contract above). Pure. */
export function answerOutcome(status: number, body: string, policy: AnswerPolicy): DeliveryResult {
  let envelope: XmlElement | undefined;
  try {
    envelope = readXml(body);
  } catch (err) {
    envelope = undefined;
    if (status >= 200 && status < 300)
      return {
        kind: 'rejected',
        error: `the registry's answer (HTTP ${status}) is not XML: ${err instanceof XmlError ? err.message : 'unreadable'}`,
      };
  }
  const isEnvelope = envelope?.name === 'Envelope' && (envelope.ns === SOAP12_NS || envelope.ns === SOAP11_NS || envelope.ns === '');
  const soapBody = isEnvelope ? child(envelope, 'Body') : undefined;
  const fault = soapBody ? child(soapBody, 'Fault') : undefined;
  if (fault) return faultOutcome(fault);
  if (status >= 500 || status === 408 || status === 429) return { kind: 'retry', error: `the registry answered HTTP ${status}` };
  if (status >= 400) return { kind: 'rejected', error: `the registry answered HTTP ${status}` };
  if (status < 200 || status >= 300) return { kind: 'retry', error: `the registry answered HTTP ${status}` };
  const response = soapBody ? child(soapBody, 'submitSingleMessageResponse') : undefined;
  if (!response) return { kind: 'rejected', error: 'the registry answered without a SOAP submitSingleMessageResponse' };
  const ret = child(response, 'return');
  if (!ret) return { kind: 'rejected', error: 'the registry answered a submitSingleMessageResponse without a return' };
  return ackOutcome(textOf(ret), { controlId: policy.controlId, applicationError: policy.applicationError }, 'the registry');
}

type Exchange = { ok: true; status: number; body: string } | { ok: false; error: string };

/** One POST; never rejects. Aborted (signal or timeout) → an error. */
function post(
  url: URL,
  agent: http.Agent,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Exchange> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const data = Buffer.from(body, 'utf8');
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': String(data.length), accept: 'application/soap+xml, text/xml' },
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish({ ok: false, error: `no answer from the registry within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    const onAbort = () => {
      request.destroy();
      finish({ ok: false, error: 'the delivery was stopped (shutdown or timeout)' });
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, error: `the registry at ${url.host} cannot be reached (${err.code ?? cut(err.message, 80)})` }),
    );
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) {
          request.destroy();
          finish({ ok: false, error: `the registry's answer is larger than ${MAX_ANSWER_BYTES} bytes` });
        } else chunks.push(c);
      });
      res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => finish({ ok: false, error: 'the registry dropped the connection while answering' }));
    });
    request.end(data);
  });
}

function tlsOptions(o: RegistrySoapOptions, baseDir: string): { ok: true; value: https.AgentOptions } | { ok: false; error: string } {
  const read = (what: string, file: string | undefined) => {
    if (!file) return undefined;
    const full = path.resolve(baseDir, file);
    try {
      return fs.readFileSync(full);
    } catch (err) {
      throw new Error(`the ${what} file ${full} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  };
  try {
    const ca = read('TLS CA', o.tls?.caFile);
    const cert = read('TLS certificate', o.tls?.certFile);
    const key = read('TLS key', o.tls?.keyFile);
    return { ok: true, value: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export const registrySoapConnector: ConnectorFactory<RegistrySoapOptions> = {
  type: 'registry-soap',
  options: optionsSchema,
  create(o: RegistrySoapOptions, ctx: ConnectorContext): Connector {
    const url = new URL(o.url);
    const password = secretSource(ctx.baseDir, o.passwordFile, o.passwordEnv);
    let agent: http.Agent | undefined;
    const agentFor = (): { ok: true; agent: http.Agent } | { ok: false; error: string } => {
      if (agent) return { ok: true, agent };
      if (url.protocol === 'http:') return { ok: true, agent: (agent = new http.Agent({ keepAlive: true, maxSockets: 4 })) };
      const t = tlsOptions(o, ctx.baseDir);
      if (!t.ok) return t;
      return { ok: true, agent: (agent = new https.Agent({ keepAlive: true, maxSockets: 4, ...t.value })) };
    };
    return {
      async send(payload: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult> {
        if (signal.aborted) return { kind: 'retry', error: 'the delivery was stopped (shutdown or timeout)' };
        if (payload.format !== 'hl7v2') return { kind: 'rejected', error: `registry-soap carries HL7 v2 messages, not ${payload.format}` };
        let pw: string | undefined;
        if (password) {
          const r = readSecretText('registry password', password);
          if (!r.ok) return { kind: 'retry', error: r.error };
          pw = r.text;
        }
        const fields = [o.username, pw, o.facilityId, payload.body];
        if (!fields.every((v) => v === undefined || isXmlText(v)))
          return { kind: 'rejected', error: 'the message (or a credential) holds control characters that XML 1.0 cannot carry' };
        const a = agentFor();
        if (!a.ok) return { kind: 'retry', error: a.error };
        const envelope = submitEnvelope({
          soapVersion: o.soapVersion,
          username: o.username,
          password: pw,
          facilityId: o.facilityId,
          hl7: payload.body,
        });
        const answer = await post(url, a.agent, soapHeaders(o.soapVersion), envelope, o.timeoutSeconds * 1000, signal);
        if (!answer.ok) return { kind: 'retry', error: answer.error };
        const result = answerOutcome(answer.status, answer.body, { controlId: payload.controlId, applicationError: o.applicationError });
        if (result.kind !== 'delivered')
          ctx.logger.warn('registry delivery not accepted', {
            destination: payload.destination,
            channel: payload.channel,
            outcome: result.kind,
          });
        return result;
      },
      async close() {
        agent?.destroy();
        agent = undefined;
      },
    };
  },
};
