/** The R4 validator refuses wrong types, unknown elements and missing required elements, with readable paths. */
import { validateResource } from '../../src/fhir';

const good = {
  resourceType: 'Immunization',
  id: 'x-1',
  status: 'completed',
  vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] },
  patient: { reference: 'Patient/p1' },
  occurrenceDateTime: '2025-03-01',
};

const issues = (r: unknown) => validateResource(r);

test('a valid Immunization has no issue', () => {
  expect(issues(good)).toEqual([]);
});

test('a wrong datatype is refused at its path', () => {
  expect(issues({ ...good, lotNumber: 5 })).toEqual([{ path: 'Immunization.lotNumber', message: 'must be string' }]);
  expect(issues({ ...good, occurrenceDateTime: '2025-13-01' })).toEqual([
    { path: 'Immunization.occurrenceDateTime', message: 'value does not have the format of its datatype' },
  ]);
});

test('an unknown element is refused, nested ones too', () => {
  expect(issues({ ...good, dose: 1 })).toEqual([{ path: 'Immunization.dose', message: 'unknown element' }]);
  expect(issues({ ...good, vaccineCode: { coding: [{ code: '140', sytem: 'cvx' }] } })).toContainEqual({
    path: 'Immunization.vaccineCode.coding[0].sytem',
    message: 'unknown element',
  });
});

test('missing required elements are refused: complex (schema), primitive and choice (by hand)', () => {
  const { patient: _p, status: _s, occurrenceDateTime: _o, ...rest } = good;
  const found = issues(rest).map((i) => i.path);
  expect(found).toEqual(expect.arrayContaining(['Immunization.patient', 'Immunization.status', 'Immunization.occurrence[x]']));
  expect(issues({ resourceType: 'MedicationDispense', status: 'completed' })).toEqual([
    { path: 'MedicationDispense.medication[x]', message: 'required element missing' },
  ]);
});

test('a code outside a required binding is refused', () => {
  expect(issues({ ...good, status: 'done' }).map((i) => i.path)).toContain('Immunization.status');
});

test('US Core Immunization: a CVX or NDC coding and a patient reference; statusReason is must-support only', () => {
  const local = { ...good, vaccineCode: { coding: [{ system: 'urn:local', code: 'FLU' }] } };
  expect(issues(local)).toEqual([{ path: 'Immunization.vaccineCode.coding', message: 'US Core: a CVX or NDC coding is required' }]);
  expect(issues({ ...good, patient: { identifier: { value: 'p1' } } })).toEqual([
    { path: 'Immunization.patient.reference', message: 'US Core: the patient is a reference to a Patient' },
  ]);
  expect(issues({ ...good, status: 'not-done' })).toEqual([]);
});

test('an unknown or non-R4 resource type is refused (Medplum types are not R4)', () => {
  expect(issues({ resourceType: 'Vaccination' })).toEqual([{ path: 'resourceType', message: 'not an R4 resource type' }]);
  expect(issues({ resourceType: 'Bot' })).toEqual([{ path: 'resourceType', message: 'not an R4 resource type' }]);
  expect(issues([good])).toEqual([{ path: '(root)', message: 'a resource is a JSON object' }]);
});

test('a Bundle entry is checked as its own type, with the entry in the path', () => {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: good, request: { method: 'PUT', url: 'Immunization/x-1' } },
      { resource: { ...good, status: undefined, extra: true }, request: { method: 'PUT', url: 'Immunization/x-2' } },
    ],
  };
  expect(issues(bundle)).toEqual([
    { path: 'Bundle.entry[1].resource.extra', message: 'unknown element' },
    { path: 'Bundle.entry[1].resource.status', message: 'required element missing' },
  ]);
});

test('issues never quote values', () => {
  const secret = 'SECRET-PATIENT-NAME';
  const found = issues({ ...good, lotNumber: { secret }, occurrenceDateTime: secret, patient: { reference: 5, display: secret } });
  expect(found.length).toBeGreaterThan(0);
  expect(JSON.stringify(found)).not.toContain(secret);
});

test('elements Medplum adds to R4 (Meta.project, Reference.resource) are refused: they are not R4', () => {
  expect(issues({ ...good, meta: { project: 'x' } })).toEqual([{ path: 'Immunization.meta.project', message: 'unknown element' }]);
  expect(issues({ ...good, patient: { reference: 'Patient/p1', resource: {} } })).toEqual([
    { path: 'Immunization.patient.resource', message: 'unknown element' },
  ]);
});

test('contained resources and Bundle entries of an unknown type are checked too', () => {
  expect(issues({ ...good, contained: [{ resourceType: 'Patient', id: 'c1', gender: 'f' }] })).toEqual([
    { path: 'Immunization.contained[0].gender', message: 'must be equal to one of the allowed values' },
  ]);
  expect(issues({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Vaccination' } }] })).toEqual([
    { path: 'Bundle.entry[0].resource.resourceType', message: 'not an R4 resource type' },
  ]);
});
