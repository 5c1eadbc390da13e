/**
 * The claim edit and replace routes on the real admin app with a stand-in claims service: the body a biller sends
 * reaches the service as the workflow expects it, a malformed edit is a 400 naming the problem, and both actions
 * are audited (fields and ids only). The workflows themselves: claims-workflows.test.ts and claims-staff.pg.test.ts.
 */
import { buildAdminApp, type AdminDeps } from '../../src/admin/app';
import { isRole, type Authenticator, type Principal } from '../../src/admin/auth';
import { silentLogger } from '../../src/core/logger';
import type { FastifyInstance } from 'fastify';

const authenticator: Authenticator = {
  async authenticate(header) {
    const m = /^Bearer as-(\w+)$/.exec(header ?? '');
    if (!m || !isRole(m[1])) return { reason: 'wrong bearer token' };
    const principal: Principal = { actor: `user-${m[1]}`, role: m[1], kind: 'api', userId: '1', tokenId: '1' };
    return { principal };
  },
};

function unusable<T>(): T {
  return new Proxy({}, { get: () => async () => { throw new Error('not used in this test'); } }) as T;
}

const calls: unknown[][] = [];
const audited: Array<Record<string, unknown>> = [];
const claims = new Proxy({
  edit: async (...args: unknown[]) => {
    calls.push(['edit', ...args]);
    return { id: '7', status: 'ready', changes: ['place of service 01 → 12'] };
  },
  retryTransfer: async (...args: unknown[]) => {
    calls.push(['retryTransfer', ...args]);
  },
  replace: async (...args: unknown[]) => {
    calls.push(['replace', ...args]);
    return { replaced: { id: '7' }, replacement: { id: '9', status: 'held' }, addedCharges: ['31'] };
  },
}, { get: (t, p) => (t as Record<string | symbol, unknown>)[p] ?? (async () => { throw new Error('not used'); }) });

let app: FastifyInstance;
beforeAll(async () => {
  const fail = async () => { throw new Error('not used in this test'); };
  const deps: AdminDeps = {
    logger: silentLogger,
    security: { authenticator, accounts: unusable(), audit: { append: async (e: object) => { audited.push(e as Record<string, unknown>); }, list: fail }, scrapeToken: undefined },
    observability: { metrics: { contentType: 'text/plain', render: async () => '' }, alerts: () => [] },
    health: async () => ({ store: true, queue: true }),
    channels: () => [], counts: async () => new Map(),
    listMessages: fail, getMessage: fail, listCharges: fail, replay: fail, reloadChannels: fail, setChannelPaused: fail,
    readChannelFile: fail, saveChannelFile: fail,
    mappings: unusable(), claims: claims as never, console: unusable(),
  } as AdminDeps;
  app = buildAdminApp(deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

async function send(method: string, url: string, body?: unknown, role = 'billing') {
  const { port } = app.server.address() as { port: number };
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method, headers: { authorization: `Bearer as-${role}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() as any };
}

beforeEach(() => { calls.length = 0; audited.length = 0; });

it('PATCH /api/claims/:id passes the edit to the service as the caller, audits the fields edited', async () => {
  const res = await send('PATCH', '/api/claims/7', { diagnoses: ['E11.9'], placeOfService: '12', lines: [{ lineNumber: 2, modifiers: ['59'], units: 3 }] });
  expect(res.status).toBe(200);
  expect(res.body.changes).toEqual(['place of service 01 → 12']);
  expect(calls).toEqual([['edit', '7', { diagnoses: ['E11.9'], placeOfService: '12', lines: [{ lineNumber: 2, modifiers: ['59'], units: '3' }] }, 'user-billing']]);
  expect(audited).toEqual([expect.objectContaining({
    actor: 'user-billing', action: 'claims.edit', targetType: 'claim', targetId: '7',
    detail: { fields: ['diagnoses', 'placeOfService', 'line 2'], status: 'ready' },
  })]);
});

it('a malformed edit is a 400 naming the problem, and reaches nothing', async () => {
  for (const [body, words] of [
    [{}, 'give diagnoses, placeOfService or lines'],
    [{ placeOfService: 'pharmacy' }, 'two-digit place-of-service code'],
    [{ lines: [{ lineNumber: 1, modifiers: ['TOOLONG'] }] }, 'two-character modifier'],
    [{ diagnoses: ['E11.9'], patientName: 'x' }, 'patientName'],
  ] as const) {
    const res = await send('PATCH', '/api/claims/7', body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(words);
  }
  expect(calls).toEqual([]);
  expect((await send('PATCH', '/api/claims/7', { placeOfService: '12' }, 'operator')).status).toBe(403);
});

it('POST /api/claims/:id/replace answers 201 with the replacement and audits it', async () => {
  const res = await send('POST', '/api/claims/7/replace', {});
  expect(res.status).toBe(201);
  expect(res.body.replacement).toEqual({ id: '9', status: 'held' });
  expect(calls).toEqual([['replace', '7', 'user-billing']]);
  expect(audited).toEqual([expect.objectContaining({ action: 'claims.replace', targetId: '7', detail: { replacement: '9', charges: 1, status: 'held' } })]);
});

it('POST /api/claims/batches/:id/transfer/retry makes the upload due (billing only) and is audited', async () => {
  const res = await send('POST', '/api/claims/batches/12/transfer/retry');
  expect(res).toEqual({ status: 202, body: { batchId: '12' } });
  expect(calls).toEqual([['retryTransfer', '12']]);
  expect(audited).toEqual([expect.objectContaining({ action: 'claims.batch.retry', targetType: 'batch', targetId: '12' })]);
  expect((await send('POST', '/api/claims/batches/12/transfer/retry', undefined, 'viewer')).status).toBe(403);
});
