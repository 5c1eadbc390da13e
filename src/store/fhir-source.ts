/**
 * What the read-only FHIR API (src/admin/fhir-routes.ts) reads from the store: processed messages of a patient
 * with their opened text (Immunization and MedicationDispense are built from the message itself), charges,
 * patients and coverages. Read-only; no table of its own.
 *
 * Patients of messages are found through the blind index (search-index.ts): the caller passes the tokens of the
 * patient ref, and the builder's patient reference filters the family-name matches out afterwards.
 * Ids the FHIR layer hashes (a patient ref that is not a valid FHIR id, a coverage) are matched here with the
 * same sha256 as src/fhir/ids.ts, computed by Postgres, so no table grows a column for them.
 */
import { sql, type Kysely } from 'kysely';
import type { ChargeRow } from '../fhir/charge-item';
import type { CoverageFacts, PatientFacts } from '../fhir/patient';
import type { BodyCodec } from './bodies';
import type { Database } from './types';

export interface StoredMessage {
  id: string;
  messageType: string;
  /** The latest content version, opened; null when pruned or unreadable. */
  raw: string | null;
}

export type StoredPatient = PatientFacts & { rowId: string };
export type StoredCoverage = CoverageFacts & { rowId: string };

/** `h-` + the first 40 hex characters of sha256(text): src/fhir/ids.ts `hashed`. */
const hashedSql = (text: ReturnType<typeof sql>) => sql<string>`'h-' || left(encode(sha256(convert_to(${text}, 'UTF8')), 'hex'), 40)`;

export class FhirSource {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bodies: BodyCodec,
  ) {}

  /** Processed messages whose type starts with one of `types` (e.g. VXU) and that hold one of the tokens, newest first. */
  async messagesWithTokens(tokens: readonly string[], types: readonly string[], limit: number): Promise<StoredMessage[]> {
    if (tokens.length === 0 || types.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages')
      .select(['id', 'message_type'])
      .where('status', '=', 'processed')
      .where(sql<boolean>`id in (select t.message_id from message_terms t where t.tokens && ${[...tokens]}::bigint[])`)
      .where((eb) => eb.or(types.map((t) => eb('message_type', 'like', `${t}^%`))))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return Promise.all(rows.map((r) => this.withContent(r.id, r.message_type)));
  }

  /** One processed message by id, with its content. */
  async message(id: string): Promise<StoredMessage | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select(['id', 'message_type'])
      .where('id', '=', id)
      .where('status', '=', 'processed')
      .executeTakeFirst();
    return row ? this.withContent(row.id, row.message_type) : undefined;
  }

  private async withContent(id: string, messageType: string): Promise<StoredMessage> {
    const c = await this.db
      .selectFrom('message_contents')
      .select(['content', 'key_id'])
      .where('message_id', '=', id)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    let raw: string | null = null;
    try {
      raw = c ? this.bodies.openNullable(c.content, c.key_id) : null;
    } catch {
      raw = null; // unreadable (a key no longer configured): the message gives no resource
    }
    return { id, messageType, raw };
  }

  /** A patient's charges, service dates within [from, to] (YYYY-MM-DD, inclusive), newest first. */
  async charges(f: { patientRef: string; from?: string; to?: string; limit: number }): Promise<ChargeRow[]> {
    let q = this.db.selectFrom('charges').selectAll().where('patient_ref', '=', f.patientRef);
    if (f.from) q = q.where('service_date', '>=', f.from);
    if (f.to) q = q.where('service_date', '<=', f.to);
    return q.orderBy('id', 'desc').limit(f.limit).execute();
  }

  async charge(id: string): Promise<ChargeRow | undefined> {
    return this.db.selectFrom('charges').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The patient ref a Patient id stands for: the id itself, or the stored ref whose hash it is. */
  async patientRefOf(fhirId: string): Promise<string | undefined> {
    if (!fhirId.startsWith('h-')) return fhirId;
    const row = await this.db
      .selectFrom('patients')
      .select('patient_ref')
      .where(hashedSql(sql`patient_ref`), '=', fhirId)
      .executeTakeFirst();
    return row?.patient_ref;
  }

  async patient(patientRef: string): Promise<StoredPatient | undefined> {
    const p = await this.db.selectFrom('patients').selectAll().where('patient_ref', '=', patientRef).executeTakeFirst();
    if (!p) return undefined;
    return {
      rowId: p.id,
      patientRef: p.patient_ref,
      familyName: p.family_name,
      givenName: p.given_name,
      middleName: p.middle_name,
      birthDate: p.birth_date,
      sex: p.sex,
      addressLine1: p.address_line1,
      addressLine2: p.address_line2,
      city: p.city,
      state: p.state,
      postalCode: p.postal_code,
      phone: p.phone,
      accountNumber: p.account_number,
    };
  }

  /** A patient's coverages (primary first), or the one whose Coverage id is `fhirId`. */
  async coverages(f: { patientRef: string } | { fhirId: string }): Promise<StoredCoverage[]> {
    let q = this.db.selectFrom('coverages').selectAll();
    q =
      'patientRef' in f
        ? q.where('patient_ref', '=', f.patientRef)
        : q.where(hashedSql(sql`'coverage|' || patient_ref || '|' || plan_id`), '=', f.fhirId);
    const rows = await q.orderBy('priority').orderBy('plan_id').limit(100).execute();
    return rows.map((c) => ({
      rowId: c.id,
      patientRef: c.patient_ref,
      planId: c.plan_id,
      payerId: c.payer_id,
      payerName: c.payer_name,
      memberId: c.member_id,
      groupNumber: c.group_number,
      groupName: c.group_name,
      planType: c.plan_type,
      relationship: c.relationship,
      priority: c.priority,
      effectiveDate: c.effective_date,
      expirationDate: c.expiration_date,
    }));
  }
}
