/**
 * The CLI's account operations over a running engine's API (src/cli/users-api.ts), against a small local HTTP
 * server standing in for the engine: answers become the same values Accounts returns (dates as Date), refusals
 * become EngineErrors with the API's code and message (a refused token says so), and an address where nothing
 * listens is an ApiUnreachableError naming it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiUnreachableError, apiAccounts, probeApi } from '../../src/cli/users-api';
import { EngineError } from '../../src/core/errors';

let server: http.Server;
let base: string;
const seen: Array<{ method?: string; url?: string; authorization?: string; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      if (req.headers.authorization !== 'Bearer good') return send(401, { error: { code: 'UNAUTHORIZED', message: 'wrong bearer token' } });
      if (req.url === '/api/users' && req.method === 'GET') {
        return send(200, { users: [{ id: '1', username: 'ada', role: 'admin', disabled: false, createdAt: '2026-01-02T03:04:05.000Z', failedAttempts: 0, lockedUntil: null }] });
      }
      if (req.url === '/api/users/nobody') return send(404, { error: { code: 'NOT_FOUND', message: 'no user nobody' } });
      if (req.url?.startsWith('/api/tokens?')) return send(200, { tokens: [] });
      return send(500, { error: { code: 'INTERNAL', message: 'boom' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a list answers with Dates, as Accounts does, and the token goes as a Bearer header', async () => {
  const users = await apiAccounts(base, 'good').listUsers();
  expect(users).toEqual([{ id: '1', username: 'ada', role: 'admin', disabled: false, createdAt: new Date('2026-01-02T03:04:05.000Z'), failedAttempts: 0, lockedUntil: null }]);
  expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/api/users', authorization: 'Bearer good' });
});

test('query filters of the token list travel in the query string', async () => {
  await apiAccounts(base, 'good').listTokens({ username: 'ada', all: true });
  expect(seen.at(-1)?.url).toBe('/api/tokens?username=ada&all=true');
});

test('refusals are EngineErrors with the API\'s code; a refused token says so', async () => {
  const notFound = apiAccounts(base, 'good').updateUser('nobody', { disabled: true });
  await expect(notFound).rejects.toBeInstanceOf(EngineError);
  await expect(notFound).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no user nobody' });
  await expect(apiAccounts(base, 'bad').listUsers()).rejects.toMatchObject({
    code: 'UNAUTHORIZED', message: 'the engine\'s API refused the token: wrong bearer token',
  });
  await expect(apiAccounts(base, 'good').revokeToken('9')).rejects.toThrow('the engine\'s API answered 500 INTERNAL: boom');
});

test('nothing listening: ApiUnreachableError naming the address', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await expect(probeApi(url)).rejects.toBeInstanceOf(ApiUnreachableError);
  await expect(apiAccounts(url, 'good').listUsers()).rejects.toThrow(`cannot reach the engine's API at ${url} (ECONNREFUSED)`);
  await expect(probeApi(base)).resolves.toBeUndefined();
});
