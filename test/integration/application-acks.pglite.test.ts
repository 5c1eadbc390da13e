/** Application ACKs on the embedded store (PGlite): the same leases and settlements as on Postgres. */
import fs from 'node:fs';
import path from 'node:path';
import { fieldOf, startAckReceiver, type AckReceiver } from './ack-receiver';
import { segment, startHarness, type Harness } from './engine-harness';
import { dftMessage, waitFor } from './support';

const CHANNEL = fs.readFileSync(path.join(__dirname, '../../channels/pharmacy-inbound.yaml'), 'utf8');

describe('application ACKs on PGlite', () => {
  let h: Harness;
  let receiver: AckReceiver;
  beforeAll(async () => {
    receiver = await startAckReceiver();
    const channelYaml = `${CHANNEL}\napplicationAcks:\n  host: 127.0.0.1\n  port: ${receiver.port}\n  timeoutMs: 1000\n`;
    h = await startHarness({ store: 'pglite', channelYaml, config: { applicationAckIntervalMs: 100 } });
  }, 60_000); // an engine on PGlite runs every migration at start: as engine.pglite.test.ts allows
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  test('CA on the connection, AA at the sender\'s listener after processing, AE after a dead letter', async () => {
    const msg = (controlId: string, amount: string) => {
      const [msh, ...rest] = dftMessage({ controlId, patientId: `P-${controlId}`, lines: [{ txn: `T-${controlId}`, code: '90471', amount }] }).split('\r');
      return [`${msh}|||AL|AL`, ...rest].join('\r');
    };
    expect(segment(await h.send(msg('PGL-1', '25')), 'MSA')[1]).toBe('CA');
    expect(segment(await h.send(msg('PGL-2', 'abc')), 'MSA')[1]).toBe('CA');
    await waitFor(() => receiver.acksFor('PGL-1').length === 1 && receiver.acksFor('PGL-2').length === 1, 20_000, 'both application ACKs');
    expect(fieldOf(receiver.acksFor('PGL-1')[0]!, 'MSA', 1)).toBe('AA');
    expect(fieldOf(receiver.acksFor('PGL-2')[0]!, 'MSA', 1)).toBe('AE');
    await waitFor(async () => {
      const rows = await h.engine.store.db.selectFrom('application_acks').select('state').execute();
      return rows.length === 2 && rows.every((r) => r.state === 'sent');
    }, 10_000, 'both settled sent');
  });
});
