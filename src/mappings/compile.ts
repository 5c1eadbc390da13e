/**
 * Mapping file → frozen plan: every source path parsed once, so evaluation does no string parsing of paths.
 */
import { parsePath, type PathRef } from '../hl7/path';
import type { ChargeMappingFile } from './schema';

/** Alternatives tried in order; the first non-empty value wins. */
export type CompiledSource = readonly PathRef[];

export interface ChargeMappingPlan {
  readonly name: string;
  readonly file: string;
  readonly forEach: string;
  readonly chargeTypes: ReadonlySet<string>;
  readonly creditTypes: ReadonlySet<string>;
  readonly fields: Readonly<Record<keyof ChargeMappingFile['fields'], CompiledSource | undefined>>;
  readonly defaultUnits: string;
  readonly unknownCodes: 'keep' | 'error';
  readonly codeTable: ReadonlyMap<string, { code: string; system: string }>;
}

export function compileSource(text: string): CompiledSource {
  return text.split('|').map((alt) => parsePath(alt.trim()));
}

export function compileChargeMapping(file: ChargeMappingFile, fileName: string): ChargeMappingPlan {
  const fields = {} as Record<keyof ChargeMappingFile['fields'], CompiledSource | undefined>;
  for (const [key, value] of Object.entries(file.fields) as Array<[keyof ChargeMappingFile['fields'], string | undefined]>) {
    fields[key] = value === undefined ? undefined : compileSource(value);
  }
  return Object.freeze({
    name: file.name,
    file: fileName,
    forEach: file.forEach,
    chargeTypes: new Set(file.transactionTypes.charge),
    creditTypes: new Set(file.transactionTypes.credit),
    fields: Object.freeze(fields),
    defaultUnits: file.defaults.units,
    unknownCodes: file.codes.unknown,
    codeTable: new Map(Object.entries(file.codes.table)),
  });
}
