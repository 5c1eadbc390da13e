/**
 * The `fhir` connector: sends a FHIR R4 resource or Bundle (the `fhir` transformer's output, src/fhir) to a FHIR
 * server's REST API.
 *
 * Modes: `update` (default) PUTs a resource to `<baseUrl>/<type>/<id>` (ids are deterministic, so a retry or a
 * replay overwrites instead of duplicating); `create` POSTs it to `<baseUrl>/<type>` (the server assigns the id: a
 * retry after a lost answer can create it twice); `transaction` POSTs a transaction Bundle to `<baseUrl>` (one
 * resource is wrapped in one with a PUT entry). A transaction Bundle from the transformer (several resources) is
 * POSTed to `<baseUrl>` in every mode.
 *
 * Every payload is validated against R4 before it leaves (src/fhir/validate.ts): an invalid one is `rejected`
 * with the paths, never sent. Answers: 2xx delivered; 408, 429, 5xx, a timeout, an unreachable server, an aborted
 * send: retry; any other 4xx: rejected with the OperationOutcome's issue codes. The issues' diagnostics text may
 * quote the resource, so it goes in `receiverText` (shown to staff, never logged), never in `error`.
 *
 * Secrets (the bearer token, the basic password) are named by a file or an environment variable and read at each
 * send, so a rotated token is picked up without a reload; a missing one is a `retry` naming where it was looked for.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { z } from 'zod';
import { refuseOpenPermissions } from '../core/private-file';
import { transactionBundle } from '../fhir/bundle';
import { validateResource } from '../fhir/validate';
import type { Resource } from '../fhir/patient';
import { requireSecretText } from './secret';
import type { Connector, ConnectorContext, ConnectorFactory, DeliveryResult, OutboundPayload } from './ports';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' });
const file = z.string().min(1, { error: 'must be a file path' });

const authSchema = z.discriminatedUnion('type', [
  z
    .strictObject({ type: z.literal('bearer'), tokenFile: file.optional(), tokenEnv: envName.optional() })
    .refine((a) => [a.tokenFile, a.tokenEnv].filter(Boolean).length === 1, {
      error: 'bearer auth takes tokenFile or tokenEnv (one of them)',
    }),
  z
    .strictObject({
      type: z.literal('basic'),
      username: z.string().min(1).max(200),
      passwordFile: file.optional(),
      passwordEnv: envName.optional(),
    })
    .refine((a) => [a.passwordFile, a.passwordEnv].filter(Boolean).length === 1, {
      error: 'basic auth takes passwordFile or passwordEnv (one of them)',
    }),
]);

export const fhirConnectorOptions = z
  .strictObject({
    /** The FHIR server's base, e.g. https://fhir.example.org/R4 (no trailing slash needed). */
    baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http:// or https:// URL' }),
    mode: z.enum(['create', 'update', 'transaction']).default('update'),
    auth: authSchema.optional(),
    /** Per request, connect to last byte of the answer. */
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** HTTPS only: a CA bundle to trust instead of the system's, and a client certificate + key (mutual TLS). */
    tls: z
      .strictObject({ caFile: file.optional(), certFile: file.optional(), keyFile: file.optional() })
      .refine((t) => Boolean(t.certFile) === Boolean(t.keyFile), { error: 'tls takes certFile and keyFile together' })
      .optional(),
  })
  .refine((o) => !o.tls || o.baseUrl.startsWith('https:'), { error: 'tls options need an https:// baseUrl', path: ['tls'] });

export type FhirConnectorOptions = z.infer<typeof fhirConnectorOptions>;

interface Answer {
  status: number;
  body: string;
}

/** The receiver's OperationOutcome: its issue codes (for `error`) and diagnostics (for `receiverText` only). */
export function readOperationOutcome(body: string): { codes: string[]; diagnostics: string[] } {
  try {
    const oo = JSON.parse(body) as {
      resourceType?: unknown;
      issue?: Array<{ code?: unknown; diagnostics?: unknown; details?: { text?: unknown } }>;
    };
    if (oo?.resourceType !== 'OperationOutcome' || !Array.isArray(oo.issue)) return { codes: [], diagnostics: [] };
    const codes = oo.issue.map((i) => (typeof i.code === 'string' && /^[a-z-]{1,40}$/.test(i.code) ? i.code : 'unknown'));
    const diagnostics = oo.issue
      .map((i) => (typeof i.diagnostics === 'string' ? i.diagnostics : typeof i.details?.text === 'string' ? i.details.text : ''))
      .filter((d) => d !== '');
    return { codes: [...new Set(codes)], diagnostics };
  } catch {
    return { codes: [], diagnostics: [] };
  }
}

/** The HTTP answer → delivery outcome (pure). */
export function outcomeOf(answer: Answer): DeliveryResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'delivered', detail: `HTTP ${status}` };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', error: `FHIR server answered HTTP ${status}` };
  const oo = readOperationOutcome(answer.body);
  const codes = oo.codes.length > 0 ? `: OperationOutcome ${oo.codes.join(', ')}` : ': no OperationOutcome';
  const result: DeliveryResult = { kind: 'rejected', error: `FHIR server answered HTTP ${status}${codes}` };
  if (oo.diagnostics.length > 0) result.receiverText = oo.diagnostics.join('\n').slice(0, 4000);
  return result;
}

function authorization(auth: FhirConnectorOptions['auth'], baseDir: string): string | undefined {
  if (!auth) return undefined;
  if (auth.type === 'bearer') return `Bearer ${requireSecretText('bearer token', baseDir, auth.tokenFile, auth.tokenEnv)}`;
  const password = requireSecretText('password', baseDir, auth.passwordFile, auth.passwordEnv);
  return `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
}

/** What to send for a payload: method, path under the base, body. Undefined with a reason when it cannot be sent. */
export function requestFor(
  mode: FhirConnectorOptions['mode'],
  resource: Resource,
): { method: 'POST' | 'PUT'; path: string; body: object } | string {
  if (resource.resourceType === 'Bundle') {
    if ((resource as { type?: unknown }).type !== 'transaction' && (resource as { type?: unknown }).type !== 'batch') {
      return 'a Bundle is sent only as a transaction or batch';
    }
    return { method: 'POST', path: '', body: resource };
  }
  if (mode === 'transaction') return { method: 'POST', path: '', body: transactionBundle([resource]) };
  if (mode === 'create') {
    const { id: _id, ...withoutId } = resource;
    return { method: 'POST', path: `/${resource.resourceType}`, body: withoutId };
  }
  if (typeof resource.id !== 'string' || resource.id === '') return 'update mode needs a resource with an id';
  return { method: 'PUT', path: `/${resource.resourceType}/${encodeURIComponent(resource.id)}`, body: resource };
}

class FhirConnector implements Connector {
  private readonly agent: http.Agent;

  constructor(
    private readonly options: FhirConnectorOptions,
    private readonly context: ConnectorContext,
  ) {
    const t = options.tls;
    // Read once, when the destination is built: a missing file or a key others can read is a configuration error
    // naming the file (certificate renewal needs a channel reload).
    const read = (f: string | undefined, what: string) => {
      if (!f) return undefined;
      const p = path.resolve(context.baseDir, f);
      if (what === 'keyFile') refuseOpenPermissions(p, 0o007, 'the fhir connector tls.keyFile');
      try {
        return fs.readFileSync(p);
      } catch (err) {
        throw new Error(`fhir connector: tls.${what} ${p} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      }
    };
    this.agent = options.baseUrl.startsWith('https:')
      ? new https.Agent({
          keepAlive: true,
          ca: read(t?.caFile, 'caFile'),
          cert: read(t?.certFile, 'certFile'),
          key: read(t?.keyFile, 'keyFile'),
        })
      : new http.Agent({ keepAlive: true });
  }

  async send(payload: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult> {
    if (signal.aborted) return { kind: 'retry', error: 'send aborted' };
    let resource: Resource;
    try {
      resource = JSON.parse(payload.body) as Resource;
    } catch {
      return { kind: 'rejected', error: 'FHIR_INVALID: the payload is not JSON' };
    }
    const issues = validateResource(resource);
    if (issues.length > 0) {
      return { kind: 'rejected', error: `FHIR_INVALID: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`.slice(0, 2000) };
    }
    const req = requestFor(this.options.mode, resource);
    if (typeof req === 'string') return { kind: 'rejected', error: `FHIR_INVALID: ${req}` };
    let auth: string | undefined;
    try {
      auth = authorization(this.options.auth, this.context.baseDir);
    } catch (err) {
      return { kind: 'retry', error: `fhir connector: ${(err as Error).message}` };
    }
    try {
      const answer = await this.request(req.method, req.path, JSON.stringify(req.body), auth, signal, payload.deliveryKey);
      return outcomeOf(answer);
    } catch (err) {
      return { kind: 'retry', error: `FHIR server not reached: ${(err as NodeJS.ErrnoException).code ?? (err as Error).name}` };
    }
  }

  private request(
    method: string,
    subPath: string,
    body: string,
    auth: string | undefined,
    signal: AbortSignal,
    key: string,
  ): Promise<Answer> {
    const url = new URL(this.options.baseUrl.replace(/\/+$/, '') + subPath);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<Answer>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/fhir+json; charset=utf-8',
        accept: 'application/fhir+json',
        'content-length': Buffer.byteLength(body),
        'x-request-id': key,
      };
      if (auth) headers.authorization = auth;
      const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), this.options.timeoutMs);
      const onAbort = () => req.destroy(Object.assign(new Error('aborted'), { code: 'ABORTED' }));
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const req = client.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1024 * 1024) chunks.push(c); // an OperationOutcome is small: the rest is not kept
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => {
          done();
          reject(err);
        });
      });
      req.on('error', (err) => {
        done();
        reject(err);
      });
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

export const fhirConnectorFactory: ConnectorFactory<FhirConnectorOptions> = {
  type: 'fhir',
  options: fhirConnectorOptions,
  create: (options, context) => new FhirConnector(options, context),
};
