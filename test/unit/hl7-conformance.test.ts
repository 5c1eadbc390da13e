/**
 * Conformance of RxBridge's own HL7 reading (parseHl7 + the 1-based path API of src/hl7/path.ts) with
 * node-hl7-client 3.2.0, leaf by leaf: every segment, field, repetition, component and subcomponent that
 * exists, on every corpus message and on generated messages (fast-check, random delimiters).
 *
 * How node-hl7-client reads (from its lib/cjs/index.js, 3.2.0):
 * - new Message({ text }) takes the delimiters from text.slice(3, 8), splits segments on "\r" when the text
 *   holds one (else "\n"), trims the whole text and every segment line, and refuses a text in which the
 *   regex /(\n|\r|)MSH\|/ matches twice ("Multiple MSH segments found. Use Batch.").
 * - Its tree: message → segment → field → repetition → component → subcomponent. toArray() gives the
 *   children (an empty text has none); toString() of any node is its first leaf, unescaped; toRaw() is
 *   the text as sent. get('9.1.2') on a segment (relative path; a segment's own path is []) or
 *   get('MSH.9.1.2') on the message reads field 9, component 1, subcomponent 2 of the FIRST repetition:
 *   its paths cannot reach other repetitions, so those are read from the tree (field.toArray()[r - 1]).
 * - MSH numbering: the segment text is split on MSH-1, so children[0] is "MSH", children[1] is MSH-2 and
 *   children[n - 1] is MSH-n; get('1') answers MSH-1 (the field separator) for any deeper path too.
 *
 * Documented differences, applied before comparing and pinned one by one in "known differences" below:
 * 1. MSH-2: we return the encoding characters whole; node-hl7-client splits MSH-2 like any field, so its
 *    toString() is '' (the first component of "^" before "~"). Compared: ours === their MSH-2 toRaw().
 * 2. Trailing whitespace of a segment line: node-hl7-client trims each segment, we keep field values as
 *    sent. Only the segment's last leaf can change (whitespace never contains a delimiter), so there
 *    ours === theirs + the trimmed whitespace; every other leaf is compared as is.
 * 3. Escapes: both read \F\ \S\ \T\ \R\ \E\ and one-byte \Xhh\ alike. Multi-byte \X..\ : they decode one
 *    character per byte, we decode valid UTF-8 as UTF-8 (checked by its own property, after mapping their
 *    latin1 result through UTF-8). Sequences outside that set differ (\.br\, \Z..\, \Fxx\, \X\, \P\ ...)
 *    and are only compared in the known-differences table, never generated into the leaf comparison.
 * The comparison itself is strict equality on every leaf; mismatches are collected and must be [].
 */
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { EmptyNode, Message, Segment } from 'node-hl7-client';
import type { HL7Node } from 'node-hl7-client';
import { CORPUS } from './helpers';
import {
  DEFAULT_DELIMITERS, decodeHl7, normalizeSegments, parseHl7, parsePath, readAll, readMessage, readSegment,
  resolveCharset, sniffMsh18,
} from '../../src/hl7';
import type { Delimiters, Hl7Message, Hl7Segment } from '../../src/hl7';

// ---------------------------------------------------------------------------------------------------------
// Reading node-hl7-client's tree

interface Position { field: number; rep: number; comp: number; sub: number }

/** How deep the leaf sits in their tree: an empty field, repetition or component has no children. */
type Depth = 'field' | 'rep' | 'comp' | 'sub' | 'msh-raw';

interface TheirLeaf extends Position { value: string; depth: Depth }

interface Walk { leaves: TheirLeaf[]; absent: Position[] }

function walkField(node: HL7Node, field: number, out: Walk): void {
  const reps = node.toArray();
  if (reps.length === 0) {
    out.leaves.push({ field, rep: 1, comp: 1, sub: 1, value: node.toString(), depth: 'field' });
    return;
  }
  out.absent.push({ field, rep: reps.length + 1, comp: 1, sub: 1 });
  reps.forEach((repNode, ri) => {
    const rep = ri + 1;
    const comps = repNode.toArray();
    if (comps.length === 0) {
      out.leaves.push({ field, rep, comp: 1, sub: 1, value: repNode.toString(), depth: 'rep' });
      return;
    }
    out.absent.push({ field, rep, comp: comps.length + 1, sub: 1 });
    comps.forEach((compNode, ci) => {
      const comp = ci + 1;
      const subs = compNode.toArray();
      if (subs.length === 0) {
        out.leaves.push({ field, rep, comp, sub: 1, value: compNode.toString(), depth: 'comp' });
        return;
      }
      out.absent.push({ field, rep, comp, sub: subs.length + 1 });
      subs.forEach((subNode, si) => {
        out.leaves.push({ field, rep, comp, sub: si + 1, value: subNode.toString(), depth: 'sub' });
      });
    });
  });
}

/** Every leaf of one of their segments in position order, and the first position past each list's end. */
function walkSegment(seg: HL7Node): Walk {
  const fields = seg.toArray();
  const isMsh = seg.name === 'MSH';
  const out: Walk = { leaves: [], absent: [] };
  if (isMsh) {
    out.leaves.push({ field: 1, rep: 1, comp: 1, sub: 1, value: seg.get('1').toString(), depth: 'msh-raw' });
    out.leaves.push({ field: 2, rep: 1, comp: 1, sub: 1, value: fields[1]?.toRaw() ?? '', depth: 'msh-raw' });
  }
  for (let i = 1; i < fields.length; i++) {
    const field = isMsh ? i + 1 : i; // their MSH children[n - 1] is MSH-n
    if (isMsh && field === 2) continue;
    walkField(fields[i]!, field, out);
  }
  out.absent.push({ field: isMsh ? fields.length + 1 : fields.length, rep: 1, comp: 1, sub: 1 });
  return out;
}

/** Their own path API for a first-repetition leaf (the tree and get() must agree, or our reading of it is wrong). */
function theirPathFor(leaf: TheirLeaf): string {
  switch (leaf.depth) {
    case 'field':
    case 'rep':
      return `${leaf.field}`;
    case 'comp':
      return `${leaf.field}.${leaf.comp}`;
    default:
      return `${leaf.field}.${leaf.comp}.${leaf.sub}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Comparing

interface Mismatch { where: string; ours: string | string[]; expected: string | string[] }

interface Tally { leaves: number; absent: number; readAll: number; theirPaths: number; mismatches: Mismatch[] }

const newTally = (): Tally => ({ leaves: 0, absent: 0, readAll: 0, theirPaths: 0, mismatches: [] });

const pathOf = (name: string, p: Position): string => `${name}-${p.field}[${p.rep}].${p.comp}.${p.sub}`;

function compareSegment(ours: Hl7Segment, d: Delimiters, theirs: HL7Node, line: string, where: string, t: Tally): void {
  const name = ours.name;
  if (theirs.name !== name) {
    t.mismatches.push({ where: `${where} segment name`, ours: name, expected: theirs.name });
    return;
  }
  const walk = walkSegment(theirs);
  const expectedFieldCount = theirs.toArray().length + (name === 'MSH' ? 1 : 0); // our MSH has fields[1] = MSH-1
  if (ours.fields.length !== expectedFieldCount) {
    t.mismatches.push({ where: `${where} field count`, ours: String(ours.fields.length), expected: String(expectedFieldCount) });
  }
  // Difference 2: their segment text is trimmed, so only the last leaf can lose trailing whitespace.
  const trailing = line.slice(line.trimEnd().length);
  const last = walk.leaves.length - 1;
  const expectedAt = new Map<string, string>();
  walk.leaves.forEach((leaf, i) => {
    const p = pathOf(name, leaf);
    const expected = i === last ? leaf.value + trailing : leaf.value;
    expectedAt.set(p, expected);
    const mine = readSegment(ours, parsePath(p), d);
    t.leaves++;
    if (mine !== expected) t.mismatches.push({ where: `${where} ${p}`, ours: mine, expected });
    if (leaf.rep === 1 && leaf.depth !== 'msh-raw') {
      const node = theirs.get(theirPathFor(leaf));
      const viaPath = node instanceof EmptyNode ? '<EmptyNode>' : node.toString();
      t.theirPaths++;
      if (viaPath !== leaf.value) t.mismatches.push({ where: `${where} node-hl7-client get('${theirPathFor(leaf)}') vs its tree`, ours: viaPath, expected: leaf.value });
    }
  });
  for (const p of walk.absent) {
    const mine = readSegment(ours, parsePath(pathOf(name, p)), d);
    t.absent++;
    if (mine !== '') t.mismatches.push({ where: `${where} ${pathOf(name, p)} (absent)`, ours: mine, expected: '' });
  }
  compareRepetitions(ours, d, walk, expectedAt, where, t);
}

/** readAll(SEG-f[*].c.s) against the non-empty values of that position across their repetitions. */
function compareRepetitions(ours: Hl7Segment, d: Delimiters, walk: Walk, expectedAt: Map<string, string>, where: string, t: Tally): void {
  const byField = new Map<number, TheirLeaf[]>();
  for (const leaf of walk.leaves) {
    if (leaf.depth === 'msh-raw') continue;
    byField.set(leaf.field, [...(byField.get(leaf.field) ?? []), leaf]);
  }
  for (const [field, leaves] of byField) {
    const reps = Math.max(...leaves.map((l) => l.rep));
    const positions = new Set(leaves.map((l) => `${l.comp}.${l.sub}`));
    for (const cs of positions) {
      const [comp, sub] = cs.split('.').map(Number) as [number, number];
      const expected: string[] = [];
      for (let rep = 1; rep <= reps; rep++) {
        const v = expectedAt.get(pathOf(ours.name, { field, rep, comp, sub })) ?? '';
        if (v !== '') expected.push(v);
      }
      const p = `${ours.name}-${field}[*].${comp}.${sub}`;
      const mine = readAll(ours, parsePath(p), d);
      t.readAll++;
      if (JSON.stringify(mine) !== JSON.stringify(expected)) t.mismatches.push({ where: `${where} ${p}`, ours: mine, expected });
    }
  }
}

/** The non-blank segment lines of a message text, as our parser sees them (it skips blank lines). */
const segmentLines = (text: string): string[] => text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');

function compareMessage(text: string, ours: Hl7Message, theirs: HL7Node[], where: string, t: Tally): void {
  const lines = segmentLines(text);
  if (ours.segments.length !== theirs.length || lines.length !== theirs.length) {
    t.mismatches.push({ where: `${where} segment count`, ours: String(ours.segments.length), expected: String(theirs.length) });
    return;
  }
  ours.segments.forEach((seg, k) => {
    compareSegment(seg, ours.delimiters, theirs[k]!, lines[k]!, `${where} #${k + 1}`, t);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The corpus

/**
 * Corpus files that are not parseable messages by design, with the reason. None today: every file in
 * /work/shared/corpus/hl7 is one message (LF separators, some with a UTF-8 BOM, no batches).
 */
const NOT_A_MESSAGE: Record<string, string> = {};

/**
 * Files node-hl7-client refuses as a whole although they are valid single messages, with the reason.
 * For these, its tree is built segment by segment with its exported Segment class under a Message made
 * of the file's own MSH (the same delimiters and the same per-line trim as Message uses).
 */
const NHC_REFUSES_MESSAGE: Record<string, string> = {
  'microsoft__FHIR-Converter__ADT04-23.hl7':
    'PID-17 and PV1-39 hold the value "MSH"; node-hl7-client counts every /(\\n|\\r|)MSH\\|/ match as a segment start and throws "Multiple MSH segments found"',
};

const corpusNames = fs.readdirSync(CORPUS).sort();

/** Decodes a corpus file as the intake does: MSH-18 sniffed from the bytes (UTF-8 when absent), CR separators. */
function decodeCorpusFile(name: string): string {
  const bytes = fs.readFileSync(path.join(CORPUS, name));
  const charset = resolveCharset(sniffMsh18(bytes), 'UTF-8');
  if (charset === undefined) throw new Error(`${name}: MSH-18 names a character set we do not decode`);
  return normalizeSegments(decodeHl7(bytes, charset));
}

const ENVELOPE = /^(FHS|BHS|BTS|FTS)/;

/**
 * Splits a file into messages on lines starting with MSH. Batch envelope lines (FHS, BHS, BTS, FTS) are
 * returned apart; any other line before the first MSH is returned as stray (the test fails on it).
 */
function splitMessages(text: string): { messages: string[]; envelope: string[]; stray: string[] } {
  const messages: string[][] = [];
  const envelope: string[] = [];
  const stray: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.startsWith('MSH')) messages.push([line]);
    else if (ENVELOPE.test(line)) envelope.push(line);
    else if (messages.length > 0) messages[messages.length - 1]!.push(line);
    else if (line.trim() !== '') stray.push(line);
  }
  return { messages: messages.map((m) => m.join('\r')), envelope, stray };
}

function theirSegments(name: string, text: string): HL7Node[] {
  if (!(name in NHC_REFUSES_MESSAGE)) return new Message({ text }).toArray();
  expect(() => new Message({ text })).toThrow(/Multiple MSH segments found/);
  const [mshLine, ...rest] = segmentLines(text);
  const header = new Message({ text: mshLine!.trim() });
  return [header.toArray()[0]!, ...rest.map((line) => new Segment(header, line.trim()))];
}

interface FileResult { messages: number; tally: Tally }

const fileResults = new Map<string, FileResult>();

function checkCorpusFile(name: string): FileResult {
  const cached = fileResults.get(name);
  if (cached) return cached;
  const { messages, stray } = splitMessages(decodeCorpusFile(name));
  expect(stray).toEqual([]);
  expect(messages.length).toBeGreaterThan(0);
  const tally = newTally();
  messages.forEach((text, i) => {
    const ours = parseHl7(text); // must not throw
    compareMessage(text, ours, theirSegments(name, text), `${name} message ${i + 1}`, tally);
  });
  const result = { messages: messages.length, tally };
  fileResults.set(name, result);
  return result;
}

describe('corpus: parseHl7 and path reads agree with node-hl7-client leaf by leaf', () => {
  it('reads the whole corpus directory; every listed exception names a file in it', () => {
    expect(corpusNames.length).toBeGreaterThanOrEqual(18);
    for (const name of [...Object.keys(NOT_A_MESSAGE), ...Object.keys(NHC_REFUSES_MESSAGE)]) expect(corpusNames).toContain(name);
    // A file listed as not a message must really be refused by parseHl7 (else it belongs in the comparison).
    for (const name of Object.keys(NOT_A_MESSAGE)) expect(() => parseHl7(decodeCorpusFile(name))).toThrow();
  });

  it.each(corpusNames.filter((n) => !(n in NOT_A_MESSAGE)))('%s', (name) => {
    const { tally } = checkCorpusFile(name);
    expect(tally.mismatches).toEqual([]);
    expect(tally.leaves).toBeGreaterThan(50);
  });

  it('compares a large number of leaves in total', () => {
    const total = newTally();
    let messages = 0;
    for (const name of corpusNames.filter((n) => !(n in NOT_A_MESSAGE))) {
      const r = checkCorpusFile(name);
      messages += r.messages;
      total.leaves += r.tally.leaves;
      total.absent += r.tally.absent;
      total.readAll += r.tally.readAll;
      total.theirPaths += r.tally.theirPaths;
      total.mismatches.push(...r.tally.mismatches);
    }
    console.log(
      `hl7-conformance corpus: ${messages} messages, ${total.leaves} leaves compared, ${total.absent} past-the-end reads, ` +
        `${total.readAll} [*] reads, ${total.theirPaths} node-hl7-client path reads checked against its tree`,
    );
    expect(total.mismatches).toEqual([]);
    expect(total.leaves).toBeGreaterThan(10000);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Generated messages

/** Delimiter candidates: punctuation both parsers accept (ours refuses letters, digits and whitespace). */
const POOL = ['|', '^', '~', '\\', '&', '#', '@', '!', '$', '*', '%', '+', '/', '?', ';', ':', '=', '<', '>', '`'];

const delimitersArb: fc.Arbitrary<Delimiters> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ ...DEFAULT_DELIMITERS }) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.shuffledSubarray(POOL, { minLength: 6, maxLength: 6 }), fc.boolean()).map(([[f, c, r, e, s, tr], withTruncation]) => {
      const d: Delimiters = { field: f!, component: c!, repetition: r!, escape: e!, subcomponent: s! };
      if (withTruncation) d.truncation = tr!; // MSH-2 character 5 (2.7+); node-hl7-client reads only the first 4
      return d;
    }),
  },
);

type Token = { text: string } | { esc: 'F' | 'S' | 'T' | 'R' | 'E' } | { hex: number; upper: boolean };

/** Plain characters: no delimiter from POOL, spaces and a tab (for the trailing-whitespace rule), no "M" (see below). */
const PLAIN = ['a', 'z', 'Q', '0', '7', ' ', ' ', '\t', 'F', 'S', 'T', 'R', 'E', 'X', 'é', '€', '.', '_'];

const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...PLAIN), minLength: 1, maxLength: 4 }).map((text) => ({ text })) },
  { weight: 2, arbitrary: fc.constantFrom('F', 'S', 'T', 'R', 'E').map((esc) => ({ esc }) as Token) },
  { weight: 1, arbitrary: fc.record({ hex: fc.integer({ min: 0, max: 255 }), upper: fc.boolean() }) },
);

const leafArb = fc.array(tokenArb, { maxLength: 3 });
const fieldArb = fc.array(fc.array(fc.array(leafArb, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });
type GenField = Token[][][][];

// Segment names incl. Z-segments. Never MSH/BHS/FHS: node-hl7-client numbers those like MSH and refuses a
// second MSH. PLAIN has no "M" so no value can spell "MSH" before a "|" (its false "Multiple MSH" above).
const segmentArb = fc.record({
  name: fc.constantFrom('PID', 'PV1', 'ORC', 'RXE', 'FT1', 'OBX', 'NTE', 'ZX1', 'ZPI', 'Z01'),
  fields: fc.array(fieldArb, { maxLength: 6 }),
});

const messageArb = fc.record({
  d: delimitersArb,
  msh: fc.array(fieldArb, { minLength: 1, maxLength: 8 }),
  segments: fc.array(segmentArb, { minLength: 1, maxLength: 4 }),
  terminator: fc.constantFrom('\r', '\n', '\r\n'),
});

function renderToken(tok: Token, d: Delimiters): string {
  if ('text' in tok) return tok.text;
  if ('esc' in tok) return `${d.escape}${tok.esc}${d.escape}`;
  const hh = tok.hex.toString(16).padStart(2, '0');
  return `${d.escape}X${tok.upper ? hh.toUpperCase() : hh}${d.escape}`;
}

const renderField = (f: GenField, d: Delimiters): string =>
  f.map((rep) => rep.map((comp) => comp.map((sub) => sub.map((tok) => renderToken(tok, d)).join('')).join(d.subcomponent)).join(d.component)).join(d.repetition);

interface GenMessage { d: Delimiters; msh: GenField[]; segments: Array<{ name: string; fields: GenField[] }>; terminator: string }

function renderMessage(m: GenMessage): string {
  const { d } = m;
  const enc = `${d.component}${d.repetition}${d.escape}${d.subcomponent}${d.truncation ?? ''}`;
  const msh = ['MSH' + d.field + enc, ...m.msh.map((f) => renderField(f, d))].join(d.field);
  const rest = m.segments.map((s) => [s.name, ...s.fields.map((f) => renderField(f, d))].join(d.field));
  return [msh, ...rest].join(m.terminator);
}

describe('property: generated messages read the same through both parsers', () => {
  it('every leaf, past-the-end position and [*] read agrees (random delimiters, escapes, separators)', () => {
    const total = newTally();
    fc.assert(
      fc.property(messageArb, (m) => {
        const text = renderMessage(m);
        const ours = parseHl7(text);
        expect(ours.delimiters).toEqual(m.d);
        const tally = newTally();
        compareMessage(text, ours, new Message({ text }).toArray(), 'generated', tally);
        expect(tally.mismatches).toEqual([]);
        total.leaves += tally.leaves;
      }),
      { numRuns: 500 },
    );
    console.log(`hl7-conformance property: ${total.leaves} generated leaves compared over 500 messages`);
    expect(total.leaves).toBeGreaterThan(20000);
  });

  it('multi-byte \\X..\\ : ours decodes valid UTF-8, theirs one latin1 character per byte (difference 3)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.boolean(), (bytes, upper) => {
        const hex = Buffer.from(bytes).toString('hex');
        const text = `MSH|^~\\&|A\rNTE|1||\\X${upper ? hex.toUpperCase() : hex}\\`;
        const theirs = new Message({ text }).get('NTE.3').toString();
        expect(theirs).toBe(Buffer.from(bytes).toString('latin1'));
        const expected = isUtf8(bytes) ? Buffer.from(theirs, 'latin1').toString('utf8') : theirs;
        expect(readMessage(parseHl7(text), 'NTE-3')).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Known differences, pinned: if either side changes, this says so.

describe('known differences with node-hl7-client 3.2.0', () => {
  const nte3 = (leaf: string, enc = '^~\\&'): { ours: string; theirs: () => string } => {
    const text = `MSH|${enc}|A\rNTE|1||${leaf}|end`;
    return { ours: readMessage(parseHl7(text), 'NTE-3'), theirs: () => new Message({ text }).get('NTE.3').toString() };
  };

  it.each([
    // [raw leaf, ours, theirs, why ours is right]
    ['a\\.br\\b', 'a\nb', 'a\\.br\\b', 'formatting command (HL7 2.7.6); they keep it literally'],
    ['\\Zlocal\\', '\\Zlocal\\', '', 'locally defined Z escape: we keep it, they drop it'],
    ['\\Fxx\\', '\\Fxx\\', '|', 'they match only the first character of the sequence; only \\F\\ is defined'],
    ['\\Hello\\', '\\Hello\\', '', 'same: only \\H\\ (highlight on) is defined'],
    ['\\X\\', '\\X\\', '', 'no hex digits: kept literally (ours), decoded to nothing (theirs)'],
    ['\\XZZ\\', '\\XZZ\\', '\u0000', 'not hex: kept literally (ours), parseInt NaN → U+0000 (theirs)'],
  ])('%j: ours %j, theirs %j (%s)', (leaf, ours, theirs) => {
    const r = nte3(leaf);
    expect(r.ours).toBe(ours);
    expect(r.theirs()).toBe(theirs);
  });

  it('an odd number of hex digits: kept literally (ours); node-hl7-client throws a RangeError', () => {
    const r = nte3('\\X4\\');
    expect(r.ours).toBe('\\X4\\');
    expect(r.theirs).toThrow(RangeError);
  });

  it('\\P\\ with a 2.7 truncation character in MSH-2: ours decodes it, theirs keeps it literally', () => {
    const r = nte3('a\\P\\', '^~\\&#');
    expect(r.ours).toBe('a#');
    expect(r.theirs()).toBe('a\\P\\');
  });

  it('MSH-1 and MSH-2 (difference 1)', () => {
    const text = 'MSH|^~\\&|A^B|FAC\rPID|1';
    const ours = parseHl7(text);
    const theirs = new Message({ text });
    expect(readMessage(ours, 'MSH-1')).toBe('|');
    expect(theirs.get('MSH.1').toString()).toBe('|');
    expect(readMessage(ours, 'MSH-2')).toBe('^~\\&');
    expect(theirs.get('MSH.2').toString()).toBe('');
    expect(theirs.get('MSH.2').toRaw()).toBe('^~\\&');
    // Deeper paths into MSH-1: '' for us (there is one leaf), the separator again for them.
    expect(readMessage(ours, 'MSH-1.2')).toBe('');
    expect(theirs.get('MSH.1.2').toString()).toBe('|');
    expect(readMessage(ours, 'MSH-3.2')).toBe(theirs.get('MSH.3.2').toString());
  });

  it('trailing whitespace of a segment: kept (ours), trimmed with the segment (theirs) (difference 2)', () => {
    const text = 'MSH|^~\\&|A\rPD1|x|20150202^20150202 \rPID|1';
    expect(readMessage(parseHl7(text), 'PD1-2.2')).toBe('20150202 ');
    expect(new Message({ text }).get('PD1.2.2').toString()).toBe('20150202');
  });

  it('a raw LF inside a CR-separated message: a segment break for us, data for them', () => {
    // parseHl7 documents LF as a tolerated separator (and the intake normalizes LF to CR before parsing);
    // node-hl7-client splits on CR only when the text has one. Senders must escape line breaks (\.br\, \X0A\).
    const text = 'MSH|^~\\&|A\rNTE|1||line one\nZX1|x';
    const ours = parseHl7(text);
    expect(ours.segments.map((s) => s.name)).toEqual(['MSH', 'NTE', 'ZX1']);
    expect(readMessage(ours, 'NTE-3')).toBe('line one');
    const theirs = new Message({ text });
    expect(theirs.get('NTE.3').toString()).toBe('line one\nZX1');
    expect(theirs.get('NTE.4').toString()).toBe('x');
  });
});
