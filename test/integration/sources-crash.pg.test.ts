/**
 * The file source's exactly-once guarantee under kill -9: an HL7 batch file of 10,000 messages on a real SFTP server
 * (Debian's sshd on loopback) is taken in by the built engine (`node bin/rxbridge.js start`, a child process), which
 * is killed with SIGKILL half-way and started again. Every message ends up stored exactly once, in file order, the
 * file is archived, and this holds with the channel's duplicate check switched off (windowHours 0), so it is the
 * file's durable progress that prevents a second copy, not the duplicate window.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { startSftpServer, SSHD_MISSING, type SftpServer } from './sftp-server';
import { createTestDatabase, freePort, ROOT, startRedisServer, tempProject, waitFor } from './support';

jest.setTimeout(300_000);

const TOTAL = 10_000;

function message(i: number): string {
  return [
    `MSH|^~\\&|RXSYS|PHARM|RXB|RXB|20250301120000||ADT^A04|B-${i}|P|2.5.1`,
    'EVN|A04|20250301120000',
    `PID|1||BP${i % 500}^^^RXSYS^MR||DOE^JANE||19700101|F`,
  ].join('\n');
}

(SSHD_MISSING ? describe.skip : describe)('sftp batch file, engine killed half-way', () => {
  let server: SftpServer;
  let db: { url: string; drop(): Promise<void> };
  let kdb: Kysely<any>;
  let child: ChildProcess | undefined;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let project: ReturnType<typeof tempProject>;

  beforeAll(async () => {
    server = await startSftpServer();
    db = await createTestDatabase();
    redis = await startRedisServer();
    kdb = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }) });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await kdb?.destroy();
    await server?.stop();
    await redis?.stop?.();
    await db?.drop();
    project?.cleanup();
  });

  test('10,000 messages stored exactly once across a kill -9 and restart', async () => {
    const httpPort = await freePort();
    const channel = [
      'name: pharmacy-inbound',
      'source:',
      '  type: sftp',
      `  host: ${server.host}`,
      `  port: ${server.port}`,
      '  username: root',
      `  hostKeyFingerprint: "${server.fingerprint}"`,
      `  auth: { privateKeyFile: ${server.clientKeyFile} }`,
      `  dir: ${server.root}/outbound`,
      `  archiveDir: ${server.root}/archive`,
      '  pollIntervalMs: 300',
      '  minAgeMs: 0',
      'accept: [ADT^A04]',
      'duplicates: { windowHours: 0 }',
      'routes: [{ types: [ADT^A04], mapping: adt }]',
    ].join('\n');
    project = tempProject({ mllpPort: 0, channelYaml: channel });
    const body = Array.from({ length: TOTAL }, (_, i) => message(i + 1)).join('\n');
    fs.writeFileSync(path.join(server.root, 'outbound', 'night.hl7'), `FHS|^~\\&|RXSYS|PHARM\nBHS|^~\\&\n${body}\nBTS|${TOTAL}\nFTS|1\n`);

    const env = {
      ...process.env, DATABASE_URL: db.url, REDIS_URL: redis.url, HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1',
      CHANNELS_DIR: project.channelsDir, MAPPINGS_DIR: project.mappingsDir, DATA_DIR: project.dataDir, LOG_LEVEL: 'error',
    };
    const start = async () => {
      child = spawn(process.execPath, [path.join(ROOT, 'bin/rxbridge.js'), 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    };
    const count = async () => Number((await sql<{ n: string }>`select count(*) as n from messages`.execute(kdb)).rows[0]!.n);

    await start();
    // Killed once some messages, but far from all, are stored.
    await waitFor(async () => (await count().catch(() => 0)) >= TOTAL / 2, 120_000, 'half of the messages to be stored', 20);
    const c = child!;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    const atKill = await count();
    expect(atKill).toBeLessThan(TOTAL);
    expect(fs.existsSync(path.join(server.root, 'outbound', 'night.hl7'))).toBe(true);

    await start();
    await waitFor(() => fs.existsSync(path.join(server.root, 'archive', 'night.hl7')), 180_000, 'the file to be archived', 200);
    child!.kill('SIGTERM');

    const rows = (await sql<{ control_id: string; n: string }>`select control_id, count(*) as n from messages group by control_id`.execute(kdb)).rows;
    expect(rows.length).toBe(TOTAL);
    expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    // In file order: ids ascend with the message's position.
    const order = (await sql<{ control_id: string }>`select control_id from messages order by id`.execute(kdb)).rows.map((r) => r.control_id);
    expect(order).toEqual(Array.from({ length: TOTAL }, (_, i) => `B-${i + 1}`));
    const file = (await sql<any>`select status, total, committed from source_files`.execute(kdb)).rows;
    expect(file).toEqual([{ status: 'archived', total: TOTAL, committed: TOTAL }]);
    const events = (await sql<{ n: string }>`select count(*) as n from message_events where code = 'source-file'`.execute(kdb)).rows[0]!;
    expect(Number(events.n)).toBe(TOTAL);
    console.log(`killed with ${atKill} of ${TOTAL} stored`);
  });
});
