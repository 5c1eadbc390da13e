/**
 * node-postgres over the embedded store through src/store/pglite-connection.ts: every protocol message it writes
 * (pg-protocol's serializer) must reach PGlite byte for byte, whatever the parameters hold, and the client must stay
 * usable after an error, as it is over a Postgres connection.
 */
import pg from 'pg';
import { PgliteConnection, pgliteClientConfig } from '../../src/store/pglite-connection';
import { openPgliteThread, type PgliteThread } from '../../src/store/pglite-thread';

jest.setTimeout(60_000);

let thread: PgliteThread;
let client: pg.Client;

beforeAll(async () => {
  thread = await openPgliteThread('memory://');
  client = new pg.Client(pgliteClientConfig(new PgliteConnection(thread.connection())) as pg.ClientConfig);
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await thread.close({ checkpoint: false });
});

test('parameters of every width arrive whole, in named and unnamed statements', async () => {
  // One, two, three and four UTF-8 bytes a character, an HL7 body's separators, and a value far larger than any
  // buffer the serializer starts with: a length measured in characters instead of bytes would cut or shift them.
  const values = [
    'plain ascii',
    'Müller^José||Ñandú',
    '中文名字^患者',
    'emoji 😀 and 🏥 in a note',
    'MSH|^~\\&|RX|PHARM|||20261208||DFT^P03|1|P|2.5.1\r' + 'FT1|1|Ø'.repeat(20_000),
    '',
  ];
  for (const name of ['rxb_test_echo', undefined]) {
    for (const value of values) {
      const res = await client.query<{ v: string; bytes: number }>({
        name,
        text: 'select $1::text as v, octet_length($1::text) as bytes',
        values: [value],
      });
      expect(res.rows[0]?.v).toBe(value);
      expect(res.rows[0]?.bytes).toBe(Buffer.byteLength(value));
    }
  }
  // Arrays of such values, as the store's batch statements send them.
  const res = await client.query<{ v: string[] }>({ name: 'rxb_test_array', text: 'select $1::text[] as v', values: [values] });
  expect(res.rows[0]?.v).toEqual(values);
});

test('an error answers its own statement and the client goes on', async () => {
  await expect(client.query('select 1 / 0')).rejects.toThrow(/division by zero/);
  await expect(client.query({ name: 'rxb_test_fail', text: 'select $1::int', values: ['not a number'] })).rejects.toThrow(
    /invalid input syntax for type integer/,
  );
  const res = await client.query<{ n: number }>({ name: 'rxb_test_ok', text: 'select $1::int + 1 as n', values: [41] });
  expect(res.rows[0]?.n).toBe(42);
});
