/**
 * Answers as outside senders see them: Debian's python3-hl7 `mllp_send` (a client written outside the project, which
 * waits on its connection for one answer per message and hangs when none comes) sends every HL7 file of the shared
 * corpus — vendor and immunization messages written by others, some with a byte-order mark, MSH-15 ER / MSH-16 AL
 * among them — to an engine running the sample channel with its default ACK policy (immediate). Every message gets
 * exactly one answer. Then the same for an after-processing channel: AE with the mapping error for a message that
 * dead-letters, within the timeout. Skipped, with a note, where mllp_send is not installed
 * (`apt-get install python3-hl7`; .ci/run installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from './engine-harness';
import { CORPUS, ROOT } from './support';

jest.setTimeout(120_000);

const MLLP_SEND = spawnSync('sh', ['-c', 'command -v mllp_send'], { encoding: 'utf8' }).stdout.trim();
const HL7_DIR = path.join(CORPUS, 'hl7');
const FILES = fs.existsSync(HL7_DIR) ? fs.readdirSync(HL7_DIR).filter((f) => f.endsWith('.hl7')).sort() : [];
if (!MLLP_SEND) {
  console.warn('corpus-mllp-send: mllp_send is not installed (apt-get install python3-hl7): these tests are skipped');
}
const maybe = MLLP_SEND ? describe : describe.skip;

/** How many messages mllp_send --loose makes of a file: the chunks between "MSH|^~\&|" (python-hl7's read_loose). */
function messagesIn(file: string): number {
  const data = fs.readFileSync(file).toString('latin1').replace(/[\x0b\x1c]/g, '');
  return data.split('MSH|^~\\&|').filter((chunk) => chunk.length > 0).length;
}

/**
 * Runs mllp_send on one file (asynchronously: the engine answering it runs in this process); the answers are what
 * it printed (one ACK each, segments separated by CR). A sender left waiting is killed after 20 s (status null).
 */
async function mllpSend(port: number, file: string): Promise<{ status: number | null; answers: string[]; stderr: string }> {
  const child = spawn(MLLP_SEND, ['--loose', '--file', file, '--port', String(port), '127.0.0.1']);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('latin1'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('latin1'); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, answers: stdout.split(/(?=MSH\|)/).filter((a) => a.includes('MSA|')), stderr };
}

maybe('outside senders (python-hl7 mllp_send) get exactly one answer per message', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres' });
  });
  afterAll(async () => {
    await h?.close();
  });

  test('every HL7 file of the corpus, on the default channel', async () => {
    expect(FILES.length).toBeGreaterThan(10);
    const seen: Array<[string, number, number]> = [];
    for (const name of FILES) {
      const r = await mllpSend(h.mllpPort, path.join(HL7_DIR, name));
      expect({ name, status: r.status, stderr: r.stderr }).toEqual({ name, status: 0, stderr: '' });
      seen.push([name, messagesIn(path.join(HL7_DIR, name)), r.answers.length]);
    }
    expect(seen.filter(([, sent, answered]) => sent !== answered)).toEqual([]);
  });

  test('the CDC immunization profile (MSH-15 ER, MSH-16 AL) is answered AA on its connection', async () => {
    const file = path.join(HL7_DIR, 'microsoft__FHIR-Converter__VXU.hl7');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/MSH\|[^\r\n]*\|ER\|AL/);
    const r = await mllpSend(h.mllpPort, file);
    expect(r.answers.filter((a) => /\rMSA\|AA\|/.test(a))).toHaveLength(1);
  });
});

maybe('after-processing answers on the connection', () => {
  let h: Harness;
  const sample = fs.readFileSync(path.join(ROOT, 'channels/pharmacy-inbound.yaml'), 'utf8');
  beforeAll(async () => {
    h = await startHarness({ store: 'postgres', channelYaml: `${sample}\nacks:\n  mode: after-processing\n  timeoutMs: 15000\n` });
  });
  afterAll(async () => {
    await h?.close();
  });

  test('AE with the mapping error for a message that dead-letters; AA for one that is processed', async () => {
    const bad = [
      'MSH|^~\\&|RXSYS|PHARM01|RXBRIDGE|BILLING|20261103101500||DFT^P03^DFT_P03|AP-BAD-1|P|2.5.1',
      'EVN|P03|20261103101500', 'PID|1||PAP1^^^PHARM01^MR||TESTPATIENT^ALEX||19800101|U', 'PV1|1|O',
      'FT1|1|TX-AP-1||20261103||CG|90471^^CPT|||1|abc',
    ].join('\r');
    const started = Date.now();
    const ack = await h.send(bad);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(ack).toMatch(/\rMSA\|AE\|AP-BAD-1\|[^\r]+/);
    expect(ack).toMatch(/\rERR\|/);
    const row = await h.engine.store.db.selectFrom('messages').select(['status', 'error_code', 'error_text'])
      .where('control_id', '=', 'AP-BAD-1').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'error', error_code: expect.stringMatching(/^MAPPING_/) });
    // MSA-3 carries the dead letter's own words (the sender's fix-it hint), as ERR-8 does.
    expect(ack.split('\r').find((s) => s.startsWith('MSA|'))!.split('|')[3]).toBe(row.error_text);

    const good = bad.replace('AP-BAD-1', 'AP-GOOD-1').replace('|abc', '|25.00');
    expect(await h.send(good)).toMatch(/\rMSA\|AA\|AP-GOOD-1/);
    const done = await h.engine.store.db.selectFrom('messages').select('status').where('control_id', '=', 'AP-GOOD-1').executeTakeFirstOrThrow();
    expect(done.status).toBe('processed');
  });
});
