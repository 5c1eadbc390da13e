/**
 * The providers a claim can name (rendering pharmacists, ordering prescribers), by NPI: billing.yaml `providers`
 * together with the providers imported into the store (`rxbridge providers import`, NPPES layout). Pure: the store
 * loads the imported ones for the NPIs a build needs and hands them in.
 *
 * On conflict billing.yaml wins for the name and taxonomy (an operator's deliberate entry beats a bulk file);
 * a deactivation the import recorded (NPPES "NPI Deactivation Date") applies to every NPI, listed in billing.yaml
 * or not: payers reject a deactivated NPI whoever typed it.
 */
import type { ProviderRef } from '../model';

/** One provider as imported (the providers table). A deactivated NPI may come without a name (NPPES stubs). */
export interface ImportedProvider extends ProviderRef {
  /** YYYY-MM-DD: services on or after it may not name this NPI (unless reactivated). */
  deactivatedOn?: string;
  /** YYYY-MM-DD: NPPES reactivated the NPI on this date. */
  reactivatedOn?: string;
}

export interface KnownProvider extends ImportedProvider {
  source: 'billing.yaml' | 'import';
}

export interface ProviderDirectory {
  lookup(npi: string): KnownProvider | undefined;
}

export function providerDirectory(
  configured: ReadonlyMap<string, Readonly<ProviderRef>>,
  imported: ReadonlyMap<string, Readonly<ImportedProvider>> = new Map(),
): ProviderDirectory {
  return {
    lookup(npi) {
      const fromFile = configured.get(npi);
      const fromImport = imported.get(npi);
      if (fromFile) {
        const status = fromImport ? { deactivatedOn: fromImport.deactivatedOn, reactivatedOn: fromImport.reactivatedOn } : {};
        return withoutUndefined({ ...fromFile, ...status, source: 'billing.yaml' as const });
      }
      return fromImport ? withoutUndefined({ ...fromImport, source: 'import' as const }) : undefined;
    },
  };
}

/** A name the 837P can carry (NM103): a family name or an organisation name. */
export function hasProviderName(p: Pick<ProviderRef, 'familyName' | 'organizationName'>): boolean {
  return Boolean(p.familyName?.trim() || p.organizationName?.trim());
}

/** The deactivation date in force on `date` (YYYY-MM-DD), or undefined when the NPI may be billed on it. */
export function deactivatedAsOf(p: Pick<ImportedProvider, 'deactivatedOn' | 'reactivatedOn'>, date: string): string | undefined {
  if (!p.deactivatedOn || date < p.deactivatedOn) return undefined;
  if (p.reactivatedOn && p.reactivatedOn >= p.deactivatedOn && date >= p.reactivatedOn) return undefined;
  return p.deactivatedOn;
}

/** What a claim carries of a provider: NPI, name, taxonomy (never the directory's bookkeeping). */
export function providerRefOf(p: ProviderRef): ProviderRef {
  return withoutUndefined({
    npi: p.npi,
    familyName: p.familyName,
    givenName: p.givenName,
    organizationName: p.organizationName,
    taxonomy: p.taxonomy,
  });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
