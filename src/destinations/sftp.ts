/**
 * `sftp`: uploads each payload as one file into a folder of an SFTP server (ssh2-sftp-client, as the clearinghouse
 * exchange does: src/clearinghouse/sftp.ts).
 *
 * Contract (beside src/destinations/ports.ts):
 * - The server's host key is checked against the pinned SHA256 fingerprint before any credential is sent. The key,
 *   its passphrase and the password are read from their file or variable at each connect (never logged or kept).
 * - One connection per connector, opened at the first send and reused; a failed operation or a dropped connection
 *   ends it, and the next send connects again. Every connect, login or file failure (host key included) is `retry`.
 * - The file is uploaded under a hidden temporary name in the folder and renamed to its name (names: see
 *   src/destinations/file-name.ts): the server's readers never see half a file, and SFTP's rename never replaces a
 *   file. A name that exists already (a second attempt of the delivery) is `delivered` without an upload.
 *   `delivered` = the rename succeeded (SFTP offers no portable sync of the server's disk). Temporary uploads a
 *   dropped connection left (older than an hour) are removed at each connect.
 * - An operation longer than `timeoutSeconds`, or an aborted signal, drops the connection and answers `retry`.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import SftpClient from 'ssh2-sftp-client';
import { sftpAuthSchema } from '../clearinghouse/config';
import { sshFingerprint } from '../clearinghouse/sftp';
import { checkFileNamePattern, fileName, hasTimeToken, namePattern, nameValues } from './file-name';
import type { Connector, ConnectorContext, ConnectorFactory, DeliveryResult, OutboundPayload } from './ports';
import { readSecretSource, readSecretText, secretSource } from './secret';

const optionsSchema = z.strictObject({
  host: z.string().regex(/^[A-Za-z0-9.:-]+$/, { error: 'host must be a host name or IP address' }),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().regex(/^[^\s:]{1,64}$/, { error: 'username must be 1 to 64 characters without spaces' }),
  /** `ssh-keygen -lf <host key>.pub`: SHA256:<43 base64 characters>. */
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, { error: 'hostKeyFingerprint must be SHA256:<43 characters> as `ssh-keygen -lf` prints it' }),
  auth: sftpAuthSchema,
  /** The folder on the server, absolute (e.g. /inbound). */
  folder: z.string().regex(/^\/[^\0\r\n]*$/, { error: 'folder must be an absolute folder on the server, such as /inbound' }),
  fileName: z
    .string()
    .superRefine((p, ctx) => {
      const why = checkFileNamePattern(p, 'message');
      if (why) ctx.addIssue({ code: 'custom', message: `the file name pattern ${why}` });
    })
    .default('{messageId}_{destination}.hl7'),
  connectTimeoutSeconds: z.number().int().min(1).max(300).default(20),
  /** The longest one delivery's file operations may take. */
  timeoutSeconds: z.number().int().min(1).max(3600).default(60),
});

export type SftpOptions = z.infer<typeof optionsSchema>;

const reason = (err: unknown) => (err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 200) : 'failed');

class Stop extends Error {}

/** Temporary uploads (`.<name>.<8 hex>.part`). */
const PART = /^\..+\.[0-9a-f]{8}\.part$/;
/** A temporary upload this old was left by a dropped connection. */
export const STALE_PART_MS = 3_600_000;

export const sftpConnector: ConnectorFactory<SftpOptions> = {
  type: 'sftp',
  options: optionsSchema,
  create(o: SftpOptions, ctx: ConnectorContext): Connector {
    const folder = o.folder.replace(/\/+$/, '') || '/';
    const remote = (name: string) => `${folder === '/' ? '' : folder}/${name}`;
    const key = secretSource(ctx.baseDir, o.auth.privateKeyFile, o.auth.privateKeyEnv);
    const passphrase = secretSource(ctx.baseDir, o.auth.passphraseFile, o.auth.passphraseEnv);
    const password = secretSource(ctx.baseDir, o.auth.passwordFile, o.auth.passwordEnv);
    const where = `${o.host}:${o.port}`;
    let client: SftpClient | undefined;
    let connected = false;

    /** Ends the connection; given `only`, ends that client and touches the current one only if it is that one. */
    const drop = async (only?: SftpClient) => {
      const c = only ?? client;
      if (c === client) {
        client = undefined;
        connected = false;
      }
      await c?.end().catch(() => undefined);
    };

    const connect = async (): Promise<SftpClient> => {
      if (client && connected) return client;
      await drop();
      const secrets: { privateKey?: Buffer; passphrase?: string; password?: string } = {};
      if (key) {
        const r = readSecretSource('private key', key);
        if (!r.ok) throw new Stop(r.error);
        secrets.privateKey = r.value;
      }
      for (const [what, source, field] of [
        ['passphrase', passphrase, 'passphrase'],
        ['password', password, 'password'],
      ] as const) {
        if (!source) continue;
        const r = readSecretText(what, source);
        if (!r.ok) throw new Stop(r.error);
        secrets[field] = r.text;
      }
      const lost = () => {
        if (client === c) connected = false;
      };
      const c: SftpClient = new SftpClient(`destination-${where}`, { error: lost, end: lost, close: lost } as never);
      client = c;
      let seen: string | undefined;
      try {
        await c.connect({
          host: o.host,
          port: o.port,
          username: o.username,
          ...secrets,
          readyTimeout: o.connectTimeoutSeconds * 1000,
          keepaliveInterval: 10_000,
          keepaliveCountMax: 3,
          retries: 0,
          hostVerifier: (k: Buffer) => {
            seen = sshFingerprint(k);
            return seen === o.hostKeyFingerprint;
          },
        } as SftpClient.ConnectOptions);
      } catch (err) {
        await drop();
        if (seen !== undefined && seen !== o.hostKeyFingerprint)
          throw new Stop(`${where} showed host key ${seen}, not the pinned ${o.hostKeyFingerprint}; refused`);
        throw new Stop(`connecting to ${where} as ${o.username} failed: ${reason(err)}`);
      }
      connected = true;
      await removeStaleParts(c).catch(() => undefined);
      return c;
    };

    /** Removes uploads a dropped connection left half done (`.<name>.<8 hex>.part`, older than an hour). */
    const removeStaleParts = async (c: SftpClient) => {
      for (const e of await c.list(folder, (f) => PART.test(f.name))) {
        if (Date.now() - e.modifyTime > STALE_PART_MS) await c.delete(remote(e.name), true);
      }
    };

    const upload = async (p: OutboundPayload, used: { client?: SftpClient }): Promise<DeliveryResult> => {
      const c = await connect();
      used.client = c;
      const values = nameValues(p, new Date());
      const name = fileName(o.fileName, values);
      if (hasTimeToken(o.fileName)) {
        const re = namePattern(o.fileName, values);
        const earlier = (await c.list(folder)).find((e) => re.test(e.name));
        if (earlier) return { kind: 'delivered', detail: `already uploaded as ${earlier.name}` };
      } else if ((await c.exists(remote(name))) !== false) {
        return { kind: 'delivered', detail: `already uploaded as ${name}` };
      }
      const temp = remote(`.${name}.${randomBytes(4).toString('hex')}.part`);
      await c.put(Buffer.from(p.body, 'utf8'), temp);
      try {
        await c.rename(temp, remote(name));
      } catch (err) {
        await c.delete(temp, true).catch(() => undefined);
        if ((await c.exists(remote(name))) !== false) return { kind: 'delivered', detail: `already uploaded as ${name}` };
        throw err;
      }
      return { kind: 'delivered', detail: `uploaded as ${name}` };
    };

    // One delivery at a time on the one connection.
    let queue: Promise<unknown> = Promise.resolve();

    return {
      send(p: OutboundPayload, signal: AbortSignal): Promise<DeliveryResult> {
        const run = async (): Promise<DeliveryResult> => {
          if (signal.aborted) return { kind: 'retry', error: 'the delivery was stopped (shutdown or timeout)' };
          let timer: NodeJS.Timeout | undefined;
          let onAbort: (() => void) | undefined;
          const stopped = new Promise<DeliveryResult>((resolve) => {
            timer = setTimeout(
              () => resolve({ kind: 'retry', error: `the upload to ${where} took longer than ${o.timeoutSeconds} s` }),
              o.timeoutSeconds * 1000,
            );
            onAbort = () => resolve({ kind: 'retry', error: 'the delivery was stopped (shutdown or timeout)' });
            signal.addEventListener('abort', onAbort, { once: true });
          });
          const used: { client?: SftpClient } = {};
          const work = upload(p, used).catch(async (err: unknown): Promise<DeliveryResult> => {
            await drop(used.client);
            if (err instanceof Stop) return { kind: 'retry', error: err.message };
            return { kind: 'retry', error: `sftp ${where}${folder}: ${reason(err)}` };
          });
          const result = await Promise.race([work, stopped]);
          clearTimeout(timer);
          if (onAbort) signal.removeEventListener('abort', onAbort);
          if (result.kind === 'retry') {
            await drop(used.client);
            ctx.logger.warn('sftp delivery failed', { destination: p.destination, channel: p.channel, host: o.host, port: o.port });
          }
          return result;
        };
        const next = queue.then(run, run);
        queue = next.catch(() => undefined);
        return next;
      },
      async close() {
        await queue.catch(() => undefined);
        await drop();
      },
    };
  },
};
