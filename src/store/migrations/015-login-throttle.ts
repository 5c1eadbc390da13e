/**
 * Login throttling (src/store/login-throttle.ts, docs/security.md): one row per throttled subject — a user name
 * (known or not) from one address, or one address for every user name. The user name is kept only as a keyed
 * hash: a "user name" may be a password typed in the wrong field, and the throttle must never store it.
 * Frozen in time: takes Kysely<any>, never the current Database type.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_throttle')
    // 'user' (subject = hash of the user name, per address) or 'address' (subject = '', every user name).
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('user','address')`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    // Attempts reserved since the last success (user) or inside the current window (address).
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('window_start', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('login_throttle_pk', ['scope', 'subject', 'address'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_throttle').execute();
}
