/** The engine core tables. Frozen in time: takes Kysely<any>, never the current Database type. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('received','processing','processed','filtered','error','rejected','duplicate')`),
    )
    .addColumn('sender', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('control_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('message_type', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('version', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('processing_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('patient_key', 'text')
    .addColumn('remote', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('replays', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_text', 'text')
    .addColumn('error_stage', 'text')
    .addColumn('duplicate_of', 'bigint')
    .execute();
  // Duplicate detection: same channel + sender + control id.
  await sql`create index messages_dedupe_idx on messages (channel, sender, control_id, received_at)`.execute(db);
  // Per-patient ordering: earlier unfinished messages of the same patient.
  await sql`create index messages_patient_open_idx on messages (patient_key, id)
            where status in ('received', 'processing')`.execute(db);
  // Recovery and sweeps: unfinished messages.
  await sql`create index messages_open_idx on messages (id) where status in ('received', 'processing')`.execute(db);
  await sql`create index messages_status_idx on messages (channel, status, id)`.execute(db);

  await db.schema
    .createTable('message_contents')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('raw','edited')`))
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('message_contents_version_uq', ['message_id', 'version'])
    .execute();

  await db.schema
    .createTable('message_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('stage', 'text')
    .addColumn('code', 'text')
    .addColumn('detail', 'text')
    .addColumn('actor', 'text')
    .execute();
  await sql`create index message_events_message_idx on message_events (message_id, id)`.execute(db);

  await db.schema
    .createTable('charges')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('source_key', 'text', (c) => c.notNull().unique())
    .addColumn('reversal_of', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active','reversed','reversal')`))
    .addColumn('transaction_id', 'text')
    .addColumn('service_date', 'date', (c) => c.notNull())
    .addColumn('patient_ref', 'text', (c) => c.notNull())
    .addColumn('code_system', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('modifiers', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('units', sql`numeric(12, 3)`, (c) => c.notNull())
    .addColumn('charge_amount', sql`numeric(12, 2)`, (c) => c.notNull())
    .addColumn('diagnoses', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('rendering_npi', 'text')
    .addColumn('ordering_npi', 'text')
    .addColumn('ndc', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A reversal line reverses at most one charge, once.
  await sql`create unique index charges_reversal_uq on charges (reversal_of) where reversal_of is not null`.execute(db);
  await sql`create index charges_message_idx on charges (message_id)`.execute(db);
  await sql`create index charges_patient_idx on charges (patient_ref, id)`.execute(db);
  await sql`create index charges_txn_idx on charges (channel, transaction_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['charges', 'message_events', 'message_contents', 'messages']) await db.schema.dropTable(t).execute();
}
