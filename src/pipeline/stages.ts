/**
 * The pipeline stages, pure: parse → filter (route) → map. Each takes plain values and returns plain values
 * or throws an EngineError that carries its disposition. Writing charges is the store's job (process.ts).
 */
import { EngineError } from '../core/errors';
import { parseHl7, type Hl7Message } from '../hl7/parse';
import type { MappedRecords } from '../mappings/records';
import type { MappingPlan } from '../mappings/compile';
import { evaluateMapping, type MappingContext } from '../mappings/evaluate';

export type StageName = 'parse' | 'filter' | 'map' | 'write';

/** Routing facts the filter needs from the channel plan. */
export interface RouteTable {
  routeFor(messageType: string): string | undefined;
}

export function parseStage(content: string): Hl7Message {
  return parseHl7(content);
}

export type FilterResult = { kind: 'route'; mapping: string } | { kind: 'skip'; reason: string };

export function filterStage(msg: Hl7Message, routes: RouteTable): FilterResult {
  const type = `${msg.header.messageCode}^${msg.header.triggerEvent}`;
  const mapping = routes.routeFor(type);
  return mapping ? { kind: 'route', mapping } : { kind: 'skip', reason: `no route maps ${type}` };
}

export function mapStage(msg: Hl7Message, plan: MappingPlan | undefined, mappingName: string, ctx: MappingContext): MappedRecords {
  if (!plan) throw new EngineError('MAPPING_NOT_FOUND', `mapping ${mappingName} is not loaded`);
  return evaluateMapping(plan, msg, ctx);
}
