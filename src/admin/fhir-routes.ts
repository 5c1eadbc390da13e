/**
 * The read-only FHIR R4 API (docs/fhir.md): `GET /fhir/R4/metadata`, `GET /fhir/R4/<type>?…` (a searchset Bundle)
 * and `GET /fhir/R4/<type>/<id>` for Immunization, MedicationDispense, ChargeItem, Patient and Coverage.
 *
 * Contract:
 * - Every answer is `application/fhir+json`; every error is an OperationOutcome with the HTTP status of the
 *   catalogue (400 unknown type or parameter, 401/403 as the rest of the API, 404 unknown id).
 * - Resources hold patient data: reads and searches need role operator (the patient-search role) and are audited,
 *   `fhir.read` with the resource type and id, `fhir.search` with the ids returned (byPatient). A Patient's id may be
 *   its medical record number, so Patients are audited by their store row (`patient:<row id>`), never by that id.
 * - Immunization and MedicationDispense are built from the stored messages (src/fhir), ChargeItem from the charges
 *   table, Patient and Coverage from the records the ADT mapping stored. Every resource served was validated
 *   against R4 by the builders' tests; the API does not validate again on each read.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { EngineError, asEngineError } from '../core/errors';
import { operationOutcome, searchsetBundle, type IssueCode } from '../fhir/bundle';
import { chargeItemFromRow, type ChargeRow } from '../fhir/charge-item';
import { immunizationsFromVxu } from '../fhir/immunization';
import { dispensesFromRds } from '../fhir/medication-dispense';
import { coverageFromFacts, patientFromFacts, type CoverageFacts, type PatientFacts, type Resource } from '../fhir/patient';
import { isFhirId, patientId } from '../fhir/ids';
import { parseHl7 } from '../hl7/parse';
import { audit, role } from './auth';
import type { AuditDetail } from '../store/audit-chain';

export interface FhirStoredMessage {
  id: string;
  messageType: string;
  raw: string | null;
}

/** The store as the FHIR API reads it (src/store/fhir-source.ts; the engine passes the patient's blind-index tokens). */
export interface FhirApi {
  messagesOfPatient(patientRef: string, types: readonly string[], limit: number): Promise<FhirStoredMessage[]>;
  message(id: string): Promise<FhirStoredMessage | undefined>;
  charges(f: { patientRef: string; from?: string; to?: string; limit: number }): Promise<ChargeRow[]>;
  charge(id: string): Promise<ChargeRow | undefined>;
  patientRefOf(fhirId: string): Promise<string | undefined>;
  patient(patientRef: string): Promise<(PatientFacts & { rowId: string }) | undefined>;
  coverages(f: { patientRef: string } | { fhirId: string }): Promise<Array<CoverageFacts & { rowId: string }>>;
}

export const FHIR_BASE = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const TYPES = ['Immunization', 'MedicationDispense', 'ChargeItem', 'Patient', 'Coverage'] as const;
type FhirType = (typeof TYPES)[number];
/** Messages read for one search at most (newest first). */
const MESSAGE_LIMIT = 200;

/** The element `date` searches, per type; absent: the type takes no date. */
const DATE_ELEMENT: Partial<Record<FhirType, string>> = {
  Immunization: 'occurrenceDateTime',
  MedicationDispense: 'whenHandedOver',
  ChargeItem: 'occurrenceDateTime',
};
const MESSAGE_TYPES: Partial<Record<FhirType, { types: string[]; build: (raw: string, messageId: string) => Resource[]; kind: string }>> = {
  Immunization: { types: ['VXU'], build: (raw, id) => immunizationsFromVxu(parseHl7(raw), id), kind: 'imm' },
  MedicationDispense: { types: ['RDS'], build: (raw, id) => dispensesFromRds(parseHl7(raw), id), kind: 'md' },
};

const DATE_PARAM = /^(eq|ge|le|gt|lt)?(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:T[0-9:.+\-Z]*)?$/;
const searchQuery = z.strictObject({
  patient: z.string().min(1).max(200).optional(),
  identifier: z.string().min(1).max(200).optional(),
  _id: z.string().min(1).max(64).optional(),
  date: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
  _count: z.coerce.number().int().min(1).max(500).default(100),
  _format: z.enum(['json', 'application/json', 'application/fhir+json'], { error: 'only JSON is served' }).optional(),
});

class FhirRequestError extends Error {
  constructor(
    readonly status: number,
    readonly issue: IssueCode,
    message: string,
  ) {
    super(message);
  }
}
const bad = (message: string) => new FhirRequestError(400, 'invalid', message);

const DAY_MS = 86_400_000;
const shiftDay = (d: string, days: number) => new Date(Date.parse(`${d}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The first and last day of a YYYY, YYYY-MM or YYYY-MM-DD value. */
function period(value: string): [string, string] {
  if (value.length === 4) return [`${value}-01-01`, `${value}-12-31`];
  if (value.length === 7) {
    const [y, m] = value.split('-').map(Number) as [number, number];
    return [`${value}-01`, new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10)];
  }
  return [value, value];
}

/** Date search values (all must hold) → the inclusive range of days they allow, YYYY-MM-DD. */
export function dateRange(values: readonly string[]): { from?: string; to?: string } {
  let from: string | undefined;
  let to: string | undefined;
  for (const v of values) {
    const m = DATE_PARAM.exec(v);
    if (!m || Number.isNaN(Date.parse(`${period(m[2]!)[0]}T00:00:00Z`))) {
      throw bad('date takes [eq|ge|le|gt|lt]YYYY[-MM[-DD]], e.g. date=ge2025-01-01');
    }
    const [start, end] = period(m[2]!);
    const prefix = m[1] ?? 'eq';
    const lower = prefix === 'eq' || prefix === 'ge' ? start : prefix === 'gt' ? shiftDay(end, 1) : undefined;
    const upper = prefix === 'eq' || prefix === 'le' ? end : prefix === 'lt' ? shiftDay(start, -1) : undefined;
    if (lower !== undefined && (from === undefined || lower > from)) from = lower;
    if (upper !== undefined && (to === undefined || upper < to)) to = upper;
  }
  return { from, to };
}

const inRange = (date: unknown, r: { from?: string; to?: string }) => {
  if (r.from === undefined && r.to === undefined) return true;
  if (typeof date !== 'string') return false;
  const day = date.slice(0, 10);
  return (r.from === undefined || day >= r.from) && (r.to === undefined || day <= r.to);
};

function typeOf(raw: string): FhirType {
  if (!(TYPES as readonly string[]).includes(raw)) {
    throw new FhirRequestError(404, 'not-supported', `resource type ${raw} is not served: ${TYPES.join(', ')}`);
  }
  return raw as FhirType;
}

/** `Patient/X` or `X` → the patient ref (undefined: no such patient can exist). */
async function patientRefParam(api: FhirApi, value: string): Promise<string | undefined> {
  const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
  if (!isFhirId(id)) throw bad('patient takes a Patient id or Patient/<id>');
  return api.patientRefOf(id);
}

/** Audit ids: FHIR ids, but Patients by their store row (a Patient's FHIR id may be its MRN). */
const auditId = (r: Resource & { rowId?: string }) => (r.resourceType === 'Patient' ? `patient:${r.rowId ?? '?'}` : r.id);

export function capabilityStatement() {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-07',
    kind: 'instance',
    software: { name: 'RxBridge' },
    implementation: { description: 'RxBridge read-only FHIR R4 API over its stored HL7 v2 messages and records' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: { description: 'Bearer API token or console session of a user with role operator or higher (docs/security.md).' },
        resource: TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: [
            ...(type === 'Patient'
              ? [
                  { name: '_id', type: 'token' },
                  { name: 'identifier', type: 'token' },
                ]
              : [{ name: 'patient', type: 'reference' }]),
            ...(DATE_ELEMENT[type] ? [{ name: 'date', type: 'date', documentation: `on ${DATE_ELEMENT[type]}` }] : []),
            { name: '_count', type: 'number' },
          ],
        })),
      },
    ],
  };
}

function send(reply: FastifyReply, status: number, body: unknown) {
  return reply.status(status).header('cache-control', 'no-store').type(FHIR_JSON).send(JSON.stringify(body));
}

export function registerFhirRoutes(app: FastifyInstance, api: FhirApi): void {
  app.register(async (fhir) => {
    fhir.setErrorHandler((err, _req, reply) => {
      if (err instanceof FhirRequestError) return send(reply, err.status, operationOutcome(err.issue, err.message));
      const e = asEngineError(err);
      const status =
        (err as { statusCode?: number }).statusCode && !(err instanceof EngineError)
          ? (err as { statusCode: number }).statusCode
          : e.spec.http;
      const code: IssueCode =
        status === 401 ? 'login' : status === 403 ? 'forbidden' : status === 404 ? 'not-found' : status < 500 ? 'invalid' : 'exception';
      return send(reply, status, operationOutcome(code, status >= 500 ? 'internal error' : e.message));
    });

    fhir.get(`${FHIR_BASE}/metadata`, role('viewer'), async (_req, reply) => send(reply, 200, capabilityStatement()));

    fhir.get<{ Params: { type: string } }>(`${FHIR_BASE}/:type`, role('operator'), async (req, reply) => {
      const type = typeOf(req.params.type);
      const parsed = searchQuery.safeParse(req.query);
      if (!parsed.success) {
        throw bad(`bad search parameter: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; ')}`);
      }
      const q = parsed.data;
      const dates = q.date === undefined ? [] : [q.date].flat();
      if (dates.length > 0 && !DATE_ELEMENT[type]) throw bad(`${type} takes no date parameter`);
      if (type !== 'Patient' && (q._id !== undefined || q.identifier !== undefined)) throw bad(`${type} is searched by patient and date`);
      const range = dateRange(dates);
      const found = type === 'Patient' ? await searchPatients(api, q) : await searchByPatient(api, type, q.patient, range, q._count);
      const page = found.slice(0, q._count);
      const detail: AuditDetail = { byPatient: true, type, ids: page.map(auditId) };
      await audit(req, 'fhir.search', undefined, detail);
      const base = `${req.protocol}://${req.headers.host ?? 'localhost'}${FHIR_BASE}`;
      const self = `${req.protocol}://${req.headers.host ?? 'localhost'}${req.url}`;
      return send(reply, 200, searchsetBundle(page.map(withoutRowId), self, base));
    });

    fhir.get<{ Params: { type: string; id: string } }>(`${FHIR_BASE}/:type/:id`, role('operator'), async (req, reply) => {
      const type = typeOf(req.params.type);
      const { id } = req.params;
      const resource = isFhirId(id) ? await readOne(api, type, id) : undefined;
      if (!resource) throw new FhirRequestError(404, 'not-found', `${type}/${isFhirId(id) ? id : '(invalid id)'} is not known`);
      await audit(req, 'fhir.read', { type: type.toLowerCase(), id: auditId(resource) });
      return send(reply, 200, withoutRowId(resource));
    });
  });
}

function withoutRowId(r: Resource & { rowId?: string }): Resource {
  const { rowId: _rowId, ...rest } = r;
  return rest as Resource;
}

async function searchPatients(api: FhirApi, q: z.infer<typeof searchQuery>): Promise<Resource[]> {
  if (q.patient !== undefined) throw bad('Patient is searched by _id or identifier');
  const id = q._id ?? (q.identifier !== undefined ? patientId(q.identifier.replace(/^.*\|/, '')) : undefined);
  if (id === undefined) throw bad('a Patient search needs _id or identifier');
  const r = await readOne(api, 'Patient', id);
  return r ? [r] : [];
}

async function searchByPatient(
  api: FhirApi,
  type: Exclude<FhirType, 'Patient'>,
  patient: string | undefined,
  range: { from?: string; to?: string },
  count: number,
): Promise<Resource[]> {
  if (patient === undefined) throw bad(`a ${type} search needs patient=<Patient id>`);
  const ref = await patientRefParam(api, patient);
  if (ref === undefined) return [];
  const reference = `Patient/${patientId(ref)}`;
  if (type === 'ChargeItem') return (await api.charges({ patientRef: ref, ...range, limit: count })).map(chargeItemFromRow);
  if (type === 'Coverage') return (await api.coverages({ patientRef: ref })).map(coverageFromFacts);
  const spec = MESSAGE_TYPES[type]!;
  const out: Resource[] = [];
  for (const m of await api.messagesOfPatient(ref, spec.types, MESSAGE_LIMIT)) {
    for (const r of buildSafely(spec.build, m)) {
      const subject = (r.patient ?? r.subject) as { reference?: string } | undefined;
      if (subject?.reference === reference && inRange(r[DATE_ELEMENT[type]!], range)) out.push(r);
    }
  }
  return out;
}

/** A stored message that no longer parses (edited, pruned) gives no resource rather than failing the search. */
function buildSafely(build: (raw: string, id: string) => Resource[], m: FhirStoredMessage): Resource[] {
  if (m.raw === null) return [];
  try {
    return build(m.raw, m.id);
  } catch {
    return [];
  }
}

async function readOne(api: FhirApi, type: FhirType, id: string): Promise<(Resource & { rowId?: string }) | undefined> {
  if (type === 'ChargeItem') {
    const m = /^charge-(\d{1,18})$/.exec(id);
    const row = m ? await api.charge(m[1]!) : undefined;
    return row ? chargeItemFromRow(row) : undefined;
  }
  if (type === 'Patient') {
    const ref = await api.patientRefOf(id);
    const p = ref === undefined ? undefined : await api.patient(ref);
    return p ? { ...patientFromFacts(p), rowId: p.rowId } : undefined;
  }
  if (type === 'Coverage') {
    const [c] = id.startsWith('h-') ? await api.coverages({ fhirId: id }) : [];
    return c ? coverageFromFacts(c) : undefined;
  }
  const spec = MESSAGE_TYPES[type]!;
  const m = new RegExp(`^(\\d{1,18})-${spec.kind}-(\\d{1,4})$`).exec(id);
  if (!m) return undefined;
  const message = await api.message(m[1]!);
  if (!message || !spec.types.some((t) => message.messageType.startsWith(`${t}^`))) return undefined;
  return buildSafely(spec.build, message).find((r) => r.id === id);
}
