/**
 * The `http` connector: sends each payload as the body of one HTTP(S) request (node:http/https, keep-alive agent
 * reused across deliveries).
 *
 * Contract (see ports.ts):
 * - delivered: the status is in `successStatuses` (default 200-299) and, when `bodyMustMatch` is set, the answer's
 *   body matches that regular expression.
 * - retry: no answer (connection refused or reset, timeoutMs passed), a status in `retryStatuses` (default 408,
 *   429 and 5xx), or a success status whose body does not match (the receiver may be half-up).
 * - rejected: any other status (4xx: the receiver refuses this payload; replay after fixing it).
 * - Secrets never sit in the channel file: a bearer token or basic password is read from a file (`…File`, relative
 *   to the channel file's folder) or an environment variable (`…Env`) when the connector is built.
 * - Every request carries `Idempotency-Key: <message id>:<destination>` (the same for every attempt).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { z } from 'zod';
import { labelOf } from '../core/config-file';
import { requireSecretText } from './secret';
import type { Connector, ConnectorContext, ConnectorFactory, DeliveryResult, OutboundPayload } from './ports';

function intIn(min: number, max: number) {
  const error = (iss: { path?: PropertyKey[] }): string => `${labelOf(iss.path ?? [])} must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' });
const secretFile = z.string().min(1, { error: 'must be a file path' });

/** A status list: single codes and ranges, e.g. [200, 202] or ["200-299"]. */
const statusList = z.array(
  z.union([intIn(100, 599), z.string().regex(/^[1-5]\d\d-[1-5]\d\d$/, { error: 'a status range is written like "200-299"' })]),
  { error: 'must be a list of statuses such as [200, "202-204"]' },
);

export const httpOptionsSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
    method: z.enum(['POST', 'PUT', 'PATCH'], { error: 'method must be POST, PUT or PATCH' }).default('POST'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'a header name is letters, digits and "-"' }), z.string()).default({}),
    timeoutMs: intIn(100, 600_000).default(30_000),
    successStatuses: statusList.min(1).default(['200-299']),
    retryStatuses: statusList.default([408, 429, '500-599']),
    bodyMustMatch: z
      .string()
      .superRefine((re, ctx) => {
        try {
          new RegExp(re);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'bodyMustMatch must be a regular expression' });
        }
      })
      .optional(),
    auth: z
      .union([
        z
          .strictObject({ bearer: z.strictObject({ tokenFile: secretFile.optional(), tokenEnv: envName.optional() }) })
          .refine((a) => Boolean(a.bearer.tokenFile) !== Boolean(a.bearer.tokenEnv), {
            error: 'bearer needs tokenFile or tokenEnv (one of them)',
          }),
        z
          .strictObject({
            basic: z.strictObject({ username: z.string().min(1), passwordFile: secretFile.optional(), passwordEnv: envName.optional() }),
          })
          .refine((a) => Boolean(a.basic.passwordFile) !== Boolean(a.basic.passwordEnv), {
            error: 'basic needs passwordFile or passwordEnv (one of them)',
          }),
      ])
      .optional(),
    tls: z
      .strictObject({ ca: z.string().min(1).optional(), cert: z.string().min(1).optional(), key: z.string().min(1).optional() })
      .superRefine((t, ctx) => {
        if (Boolean(t.cert) !== Boolean(t.key))
          ctx.addIssue({ code: 'custom', message: 'tls needs cert and key together (a client certificate)' });
      })
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (o.tls && !o.url.startsWith('https:')) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls needs an https:// url' });
  });

export type HttpOptions = z.infer<typeof httpOptionsSchema>;

/** True when `status` is in the list (codes and "200-299" ranges). */
export function statusIn(list: ReadonlyArray<number | string>, status: number): boolean {
  return list.some((s) => {
    if (typeof s === 'number') return s === status;
    const [from, to] = s.split('-').map(Number);
    return status >= (from as number) && status <= (to as number);
  });
}

/** The outcome of one HTTP answer: pure, so the rule is tested on its own. */
export function outcomeOfResponse(
  o: Pick<HttpOptions, 'successStatuses' | 'retryStatuses' | 'bodyMustMatch'>,
  status: number,
  body: string,
): DeliveryResult {
  if (statusIn(o.successStatuses, status)) {
    if (o.bodyMustMatch !== undefined && !new RegExp(o.bodyMustMatch).test(body)) {
      return { kind: 'retry', error: `HTTP ${status}, but the answer does not match bodyMustMatch` };
    }
    return { kind: 'delivered', detail: `HTTP ${status}` };
  }
  if (statusIn(o.retryStatuses, status)) return { kind: 'retry', error: `HTTP ${status}` };
  return { kind: 'rejected', error: `HTTP ${status}` };
}

const MAX_ANSWER_BYTES = 65_536;

export const httpConnectorFactory: ConnectorFactory<HttpOptions> = {
  type: 'http',
  options: httpOptionsSchema,
  create(o: HttpOptions, context: ConnectorContext): Connector {
    const url = new URL(o.url);
    const secure = url.protocol === 'https:';
    const read = (f: string | undefined) => (f === undefined ? undefined : fs.readFileSync(path.resolve(context.baseDir, f)));
    const agent = secure
      ? new https.Agent({ keepAlive: true, ca: read(o.tls?.ca), cert: read(o.tls?.cert), key: read(o.tls?.key) })
      : new http.Agent({ keepAlive: true });
    const headers: Record<string, string> = { ...o.headers };
    if (o.auth && 'bearer' in o.auth) {
      headers.Authorization = `Bearer ${requireSecretText('auth.bearer token', context.baseDir, o.auth.bearer.tokenFile, o.auth.bearer.tokenEnv)}`;
    } else if (o.auth && 'basic' in o.auth) {
      const password = requireSecretText('auth.basic password', context.baseDir, o.auth.basic.passwordFile, o.auth.basic.passwordEnv);
      headers.Authorization = `Basic ${Buffer.from(`${o.auth.basic.username}:${password}`).toString('base64')}`;
    }

    const send = (payload: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult> =>
      new Promise((resolve) => {
        if (signal.aborted) return resolve({ kind: 'retry', error: 'delivery stopped' });
        const body = Buffer.from(payload.body, 'utf8');
        const req = (secure ? https : http).request(url, {
          method: o.method,
          agent,
          headers: {
            'Content-Type': payload.contentType,
            'Content-Length': String(body.length),
            'Idempotency-Key': payload.deliveryKey,
            ...headers,
          },
        });
        let settled = false;
        const finish = (r: DeliveryResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        };
        const timer = setTimeout(() => {
          finish({ kind: 'retry', error: `no answer within ${o.timeoutMs} ms` });
          req.destroy();
        }, o.timeoutMs);
        const onAbort = () => {
          finish({ kind: 'retry', error: 'delivery stopped' });
          req.destroy();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        req.on('error', (err) => finish({ kind: 'retry', error: `request failed (${(err as NodeJS.ErrnoException).code ?? 'error'})` }));
        req.on('response', (res) => {
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < MAX_ANSWER_BYTES) parts.push(c);
            size += c.length;
          });
          res.on('error', () => finish({ kind: 'retry', error: 'the answer broke off' }));
          res.on('end', () => finish(outcomeOfResponse(o, res.statusCode ?? 0, Buffer.concat(parts).toString('utf8'))));
        });
        req.end(body);
      });

    return {
      send,
      async close() {
        agent.destroy();
      },
    };
  },
};
