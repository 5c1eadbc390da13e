/**
 * Helpers for the X12 tests: the X12 corpus (../shared/corpus/x12), and node-x12 (devDependency, used only
 * here) as an independent parser to compare our reader with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { X12Parser, type X12Interchange as NodeX12Interchange, type X12Segment as NodeX12Segment } from 'node-x12';
import type { Separators, X12Segment } from '../../src/x12';

export const X12_CORPUS = path.join(__dirname, '../../../shared/corpus/x12');
export const x12CorpusFiles = fs.readdirSync(X12_CORPUS).sort();
export const loadX12 = (name: string): string => fs.readFileSync(path.join(X12_CORPUS, name), 'utf8');

/** Which transaction set a corpus file holds, from its name. */
export function corpusKind(name: string): '837' | '835' | '999' | '277' {
  if (/\.837$|x12_(valid|complex|many_claims|missing_elements|multiple_isa|multiple_st|segments_out_of_order|valid_different_separators)\.txt$/.test(name)) return '837';
  if (name.endsWith('.835')) return '835';
  if (/999/.test(name)) return '999';
  return '277';
}

/** One segment as text parts: its id and each element's raw text (components and repetitions re-joined). */
export function flatten(seg: X12Segment, seps: Separators): string[] {
  return [seg.id, ...seg.elements.map((e) => e.map((rep) => rep.join(seps.component)).join(seps.repetition ?? ''))];
}

function nodeFlatten(seg: NodeX12Segment): string[] {
  return [seg.tag, ...seg.elements.map((e) => e.value)];
}

/**
 * node-x12's view of the GS…GE content of a text. Lenient: some corpus fixtures have wrong counts, and a
 * lenient node-x12 folds several interchanges into one, so each ISA (at a line start) is parsed on its own.
 */
export function nodeX12Segments(text: string): string[][] {
  const out: string[][] = [];
  for (const chunk of text.split(/(?=^ISA)/m)) {
    const parsed = new X12Parser(false).parse(chunk) as NodeX12Interchange;
    for (const group of parsed.functionalGroups) {
      out.push(nodeFlatten(group.header));
      for (const t of group.transactions) {
        out.push(nodeFlatten(t.header), ...t.segments.map(nodeFlatten), nodeFlatten(t.trailer));
      }
      out.push(nodeFlatten(group.trailer));
    }
  }
  return out;
}

/** Parses strictly with node-x12 (ISA length, SE01/GE01/IEA01 counts, control numbers); throws on a problem. */
export function strictNodeX12Parse(text: string): NodeX12Interchange {
  const parsed = new X12Parser(true).parse(text);
  if ('interchanges' in parsed) throw new Error('expected one interchange');
  return parsed;
}
