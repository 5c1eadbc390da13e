/**
 * Vaccine administration codes as billed (pure): the code an immunization-admin charge is billed under depends on
 * the payer in force on the date of service, which only the claim build knows for certain. The charge keeps what
 * the mapping recorded (its code and amount); the claim line carries the code chosen here, with the charge's
 * amount. The build's choice is authoritative: a mapping that picked G0008 from an IN1 inside the message is
 * recoded for a commercial payer, and a 90471 recorded without one is recoded for Medicare.
 *
 * For the charges of one claim (one patient, payer and date of service):
 * - Medicare Part B (payer rules `medicarePartB` on the date of service): each administration of a flu,
 *   pneumococcal or hepatitis B product is billed G0008, G0009 or G0010, one per product. The other
 *   administrations are billed 90471-90474.
 * - Every other payer: G0008-G0010 are billed 90471-90474.
 * - 90471-90474 are numbered again over the administrations left on CPT codes, in charge order: the first is
 *   90471 (injection) or 90473 (intranasal/oral), each further one 90472 or 90474 by its own route. The route is
 *   the recorded code's (90471/90472 injection, 90473/90474 intranasal/oral); a G-code is an injection unless
 *   its product is an intranasal flu vaccine.
 * Other codes (90480 for COVID-19, anything that is not 90471-90474 or G0008-G0010) are never touched.
 *
 * Administration and product are paired by dose: charges whose transaction ids are `<dose>-admin` and
 * `<dose>-product` (the VXU mapping's convention). An administration without a paired product (another
 * mapping, a state-supplied product that is not charged) takes, under Medicare, a G-code for a Medicare
 * product left without an administration (its own G-code first); a G-code left without a product stays (the
 * scrubber reports the count); anything else gets a CPT code.
 */
import { MEDICARE_ADMIN_FOR_GROUP, vaccineGroupOf, type VaccineGroup } from '../scrub/tables';
import type { ChargeInput } from './inputs';

export interface BilledCode {
  code: string;
  codeSystem: 'CPT' | 'HCPCS';
}

/** A charge billed under another code than its own, and why (for an info note on the claim). */
export interface Recoded extends BilledCode {
  chargeId: string;
  from: string;
  reason: string;
}

type Route = 'INJ' | 'NASAL';

const CPT_ADMIN: Readonly<Record<string, { route: Route; initial: boolean }>> = {
  '90471': { route: 'INJ', initial: true },
  '90472': { route: 'INJ', initial: false },
  '90473': { route: 'NASAL', initial: true },
  '90474': { route: 'NASAL', initial: false },
};
const G_CODE_GROUP: Readonly<Record<string, VaccineGroup>> = { G0008: 'FLU', G0009: 'PNEUMO', G0010: 'HEPB' };
const GROUP_NAMES: Partial<Record<VaccineGroup, string>> = { FLU: 'flu', PNEUMO: 'pneumococcal', HEPB: 'hepatitis B' };
/** Intranasal flu products (LAIV): their administration is 90473/90474, not 90471/90472. */
const INTRANASAL_PRODUCTS: ReadonlySet<string> = new Set(['90660', '90672']);
const MEDICARE_GROUPS = Object.keys(MEDICARE_ADMIN_FOR_GROUP) as VaccineGroup[];

/** True for a charge this module may recode: an immunization-admin charge billed 90471-90474 or G0008-G0010. */
export function isRecodableAdmin(c: Pick<ChargeInput, 'serviceKind' | 'code'>): boolean {
  const code = c.code.toUpperCase();
  return c.serviceKind === 'immunization-admin' && (code in CPT_ADMIN || code in G_CODE_GROUP);
}

/** The dose a charge belongs to, from a transaction id ending in -admin or -product; undefined otherwise. */
export function doseOf(transactionId: string | null | undefined): { dose: string; part: 'admin' | 'product' } | undefined {
  const m = /^(.+)-(admin|product)$/.exec(transactionId ?? '');
  return m ? { dose: m[1]!, part: m[2] as 'admin' | 'product' } : undefined;
}

/**
 * Each administration charge's product charge among `charges` (same patient and date of service), by dose.
 * Returns admin charge id → product charge.
 */
export function pairDoses(charges: readonly ChargeInput[]): Map<string, ChargeInput> {
  const products = new Map<string, ChargeInput>();
  for (const c of charges) {
    const d = doseOf(c.transactionId);
    if (d?.part === 'product' && c.serviceKind === 'vaccine-product')
      products.set(`${c.patientRef}\u0000${c.serviceDate}\u0000${d.dose}`, c);
  }
  const pairs = new Map<string, ChargeInput>();
  for (const c of charges) {
    const d = doseOf(c.transactionId);
    if (d?.part !== 'admin' || c.serviceKind !== 'immunization-admin') continue;
    const product = products.get(`${c.patientRef}\u0000${c.serviceDate}\u0000${d.dose}`);
    if (product) pairs.set(c.id, product);
  }
  return pairs;
}

/**
 * The administration codes of one claim's charges (one patient, payer, date of service; in charge order) as
 * billed: only the charges whose code changes are listed.
 */
export function billedAdminCodes(charges: readonly ChargeInput[], medicarePartB: boolean, payerId: string): Recoded[] {
  const admins = charges.filter(isRecodableAdmin);
  if (admins.length === 0) return [];
  const pairs = pairDoses(charges);
  const groupOf = (product: ChargeInput | undefined): VaccineGroup | undefined =>
    product ? vaccineGroupOf({ code: product.code.toUpperCase(), serviceKind: product.serviceKind }) : undefined;
  const medicareGroup = (g: VaccineGroup | undefined): g is VaccineGroup => g !== undefined && MEDICARE_GROUPS.includes(g);

  const chosen = new Map<string, { group?: VaccineGroup; product?: ChargeInput }>();
  if (medicarePartB) {
    // Paired administrations of flu / pneumococcal / hepatitis B products.
    const administered = new Set<string>();
    for (const a of admins) {
      const product = pairs.get(a.id);
      const g = groupOf(product);
      if (product && medicareGroup(g)) {
        chosen.set(a.id, { group: g, product });
        administered.add(product.id);
      }
    }
    // Medicare products left without an administration, in charge order, for the unpaired administrations.
    const paired = new Set([...pairs.values()].map((p) => p.id));
    const waiting = charges.filter(
      (c) => c.serviceKind === 'vaccine-product' && !administered.has(c.id) && !paired.has(c.id) && medicareGroup(groupOf(c)),
    );
    const unpaired = admins.filter((a) => !pairs.has(a.id));
    for (const a of unpaired) {
      // its own G-code first
      const own = G_CODE_GROUP[a.code.toUpperCase()];
      const at = waiting.findIndex((p) => groupOf(p) === own);
      if (own && at >= 0) chosen.set(a.id, { group: own, product: waiting.splice(at, 1)[0] });
    }
    for (const a of unpaired) {
      if (chosen.has(a.id) || waiting.length === 0) continue;
      const product = waiting.shift()!;
      chosen.set(a.id, { group: groupOf(product), product });
    }
    // A G-code with no product to pair (a product not charged): kept, Medicare never pays 90471 for it; the
    // medicare-vaccine-admin scrub rule reports the count that does not match.
    for (const a of unpaired) {
      const own = G_CODE_GROUP[a.code.toUpperCase()];
      if (own && !chosen.has(a.id)) chosen.set(a.id, { group: own });
    }
  }

  const out: Recoded[] = [];
  const record = (a: ChargeInput, billed: BilledCode, reason: string) => {
    if (billed.code !== a.code.toUpperCase()) out.push({ chargeId: a.id, from: a.code, ...billed, reason });
  };
  let first = true;
  for (const a of admins) {
    const g = chosen.get(a.id);
    if (g?.group) {
      const code = MEDICARE_ADMIN_FOR_GROUP[g.group]!;
      record(
        a,
        { code, codeSystem: 'HCPCS' },
        `payer ${payerId} is Medicare Part B on ${a.serviceDate}: the ${GROUP_NAMES[g.group]} vaccine${g.product ? ` ${g.product.code}` : ''} is administered as ${code}`,
      );
      continue;
    }
    const route = routeOf(a, pairs.get(a.id));
    const code = route === 'INJ' ? (first ? '90471' : '90472') : first ? '90473' : '90474';
    first = false;
    const why =
      a.code.toUpperCase() in G_CODE_GROUP
        ? `payer ${payerId} has no Medicare Part B rules on ${a.serviceDate}: G0008-G0010 are Medicare's codes`
        : '90471/90473 is the first administration of the date, 90472/90474 each further one';
    record(a, { code, codeSystem: 'CPT' }, why);
  }
  return out;
}

function routeOf(admin: ChargeInput, product: ChargeInput | undefined): Route {
  const cpt = CPT_ADMIN[admin.code.toUpperCase()];
  if (cpt) return cpt.route;
  return product && INTRANASAL_PRODUCTS.has(product.code.toUpperCase()) ? 'NASAL' : 'INJ';
}
