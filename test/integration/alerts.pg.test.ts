/**
 * Channel alerts end to end (Postgres, Redis, MLLP, a local webhook receiver on a real port): a dead letter over
 * the channel's `deadLettersAbove` raises an alert that GET /api/alerts shows and the webhook receives — after one
 * retry, since the receiver fails the first delivery —; replaying the fixed message clears it, posted once; the
 * posts hold no message content.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startHarness, type Harness } from './engine-harness';
import { dftMessage, ROOT, waitFor } from './support';

interface Received { event: string; alert: { id: string; channel: string; kind: string; value: number; threshold: number; message: string }; text: string }

describe('channel alerts', () => {
  let h: Harness;
  let server: http.Server;
  const posts: Received[] = [];
  let requests = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        requests++;
        if (requests === 1) { res.writeHead(500).end('try again'); return; } // the first delivery fails: retried once
        posts.push(JSON.parse(body) as Received);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const channelYaml = `${fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8')}
alerts:
  deadLettersAbove: 0
  queueDepthAbove: 1000
  webhook: http://127.0.0.1:${port}/hooks/rxbridge
`;
    h = await startHarness({ store: 'postgres', channelYaml, env: { RXBRIDGE_ALERT_INTERVAL_MS: '200' } });
  });
  afterAll(async () => {
    await h.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a dead letter raises the alert once; replaying the fixed message clears it once', async () => {
    expect((await h.api('GET', '/api/alerts')).json).toEqual({ alerts: [] });
    const broken = dftMessage({ controlId: 'ALERT-1', patientId: 'ALERTPAT7', lines: [{ txn: 'ALERT-1-1', code: '90471', amount: '' }] });
    expect(await h.send(broken)).toContain('MSA|AA|ALERT-1');
    const row = await h.engine.store.db.selectFrom('messages').select('id').where('control_id', '=', 'ALERT-1').executeTakeFirstOrThrow();
    await h.waitForStatus(String(row.id), ['error']);

    await waitFor(() => posts.length >= 1, 10_000, 'the raised alert at the webhook');
    expect(requests).toBe(2); // 500, then the retry
    expect(posts[0]).toMatchObject({
      event: 'raised',
      alert: { id: 'pharmacy-inbound:dead-letters', channel: 'pharmacy-inbound', kind: 'dead-letters', value: 1, threshold: 0 },
      text: 'RxBridge alert: channel pharmacy-inbound: 1 dead letter (limit: more than 0)',
    });
    const shown = await h.api('GET', '/api/alerts');
    expect(shown.status).toBe(200);
    expect(shown.json.alerts).toEqual([expect.objectContaining({ id: 'pharmacy-inbound:dead-letters', value: 1, threshold: 0 })]);
    expect((await h.api('GET', '/api/alerts', undefined, null)).status).toBe(401);

    const fixed = broken.replace('90471^Service^C4|||1|&USD', '90471^Service^C4|||1|20.00&USD');
    expect(fixed).not.toBe(broken);
    expect((await h.api('POST', `/api/messages/${row.id}/replay`, { raw: fixed })).status).toBe(202);
    await h.waitForStatus(String(row.id), ['processed']);
    await waitFor(() => posts.length >= 2, 10_000, 'the cleared alert at the webhook');
    expect(posts[1]).toMatchObject({ event: 'cleared', alert: { id: 'pharmacy-inbound:dead-letters', value: 1 } });
    expect(posts[1]!.text).toBe('RxBridge alert cleared: channel pharmacy-inbound: 0 dead letters (limit: more than 0)');
    expect((await h.api('GET', '/api/alerts')).json).toEqual({ alerts: [] });

    await new Promise((r) => setTimeout(r, 1000)); // five more evaluations: nothing new is posted
    expect(posts.map((p) => p.event)).toEqual(['raised', 'cleared']);
    const everything = JSON.stringify(posts);
    for (const fromMessage of ['ALERTPAT7', 'ALERT-1', 'TESTPATIENT', 'RXSYS']) expect(everything).not.toContain(fromMessage);

    const logs = h.logs();
    expect(logs).toContain('"message":"alert raised"');
    expect(logs).toMatch(/"attempt":2[^\n]*"message":"alert webhook delivered"|"message":"alert webhook delivered"[^\n]*"attempt":2/);
    expect(logs).not.toContain('/hooks/rxbridge'); // the URL may hold a secret: only its host is logged
  });
});
