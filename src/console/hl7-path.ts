/**
 * HL7 positions for the dead-letter editor (pure, no DOM): which field, repetition, component and subcomponent a
 * character of a segment line is in, where a position named in an error (`FT1-11.1.1`, `PID-3[2].1`) lies in a line,
 * and the segment → field → component tree of a text with the columns of every node.
 *
 * Conventions, as the engine and the message view count them: fields, repetitions, components and subcomponents are
 * 1-based; MSH-1 is the field separator itself (column 3) and MSH-2 the encoding characters, kept whole. A separator
 * belongs to the part it opens (the `|` before FT1-11 is FT1-11's first character). Columns are 0-based, `to` is
 * exclusive, and a range's `from`/`to` cover the value without the separator that opens it (an empty value is the
 * empty range just after that separator).
 */
import { STANDARD_SEPARATORS, type Separators } from './hl7-view';

export interface Hl7Path {
  segment: string;
  /** 0: the segment id itself. */
  field: number;
  repetition: number;
  component?: number;
  subcomponent?: number;
}

export interface ColumnRange {
  from: number;
  to: number;
}

/** `FT1-11.1.1`, with `[r]` after the field when the repetition is not the first: `PID-3[2].1`. */
export function pathLabel(p: Hl7Path): string {
  if (p.field === 0) return p.segment;
  let label = `${p.segment}-${p.field}`;
  if (p.repetition > 1) label += `[${p.repetition}]`;
  if (p.component !== undefined) label += `.${p.component}`;
  if (p.subcomponent !== undefined) label += `.${p.subcomponent}`;
  return label;
}

const PATH = /\b([A-Z][A-Z0-9]{2})-(\d{1,3})(?:\[(\d{1,3})\])?(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?\b/g;

/** Every position an error text names (`FT1-11.1.1`, `PID-3[2].1`, `MSH-9`), in order, without repeats. */
export function pathsIn(text: string | null | undefined): Hl7Path[] {
  const out: Hl7Path[] = [];
  for (const m of (text ?? '').matchAll(PATH)) {
    const p: Hl7Path = {
      segment: m[1]!,
      field: Number(m[2]),
      repetition: m[3] ? Number(m[3]) : 1,
      ...(m[4] ? { component: Number(m[4]) } : {}),
      ...(m[5] ? { subcomponent: Number(m[5]) } : {}),
    };
    if (p.field > 0 && !out.some((o) => pathLabel(o) === pathLabel(p))) out.push(p);
  }
  return out;
}

interface Cell {
  field: number;
  repetition: number;
  component: number;
  subcomponent: number;
}

/** The part each character of a line is in (index = column), after the segment id's 3 characters. */
function cellsOf(line: string, s: Separators): Cell[] {
  const cells: Cell[] = [];
  const msh = line.startsWith('MSH');
  let cur: Cell = { field: 0, repetition: 1, component: 1, subcomponent: 1 };
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (i < 3) {
      cells.push(cur);
      continue;
    }
    if (msh && i === 3) cur = { field: 1, repetition: 1, component: 1, subcomponent: 1 };
    else if (msh && i === 4 && c !== s.field) cur = { field: 2, repetition: 1, component: 1, subcomponent: 1 };
    else if (c === s.field) cur = { field: cur.field + 1, repetition: 1, component: 1, subcomponent: 1 };
    else if (msh && cur.field <= 2) {
      // MSH-2 is the encoding characters: kept whole.
    } else if (c === s.repetition) cur = { ...cur, repetition: cur.repetition + 1, component: 1, subcomponent: 1 };
    else if (c === s.component) cur = { ...cur, component: cur.component + 1, subcomponent: 1 };
    else if (c === s.subcomponent) cur = { ...cur, subcomponent: cur.subcomponent + 1 };
    cells.push(cur);
  }
  return cells;
}

/**
 * The position of a cursor at `column` of a segment line: the part of the character after it, or of the one before
 * it when the next character opens another part or the line ends (a cursor between `||` is in that empty field). Components and subcomponents are named only where the field (or component) is split: `PID-5.1`
 * in `DOE^JOHN`, `PID-3` in a field without `^`. Undefined for an empty line or one without a segment id.
 */
export function pathAt(line: string, column: number, s: Separators = STANDARD_SEPARATORS): Hl7Path | undefined {
  if (line.length < 3 || !/^[A-Z][A-Z0-9]{2}$/.test(line.slice(0, 3))) return undefined;
  const cells = cellsOf(line, s);
  let at = Math.max(0, Math.min(column, line.length - 1));
  // A cursor just before a separator that opens the next part is at the end of the part before it (so the cursor
  // between `||` is in that empty field); MSH-1 and MSH-2 have no separator of their own.
  const opensNext = (i: number) =>
    i > 3 &&
    [s.field, s.repetition, s.component, s.subcomponent].includes(line.charAt(i)) &&
    !(line.startsWith('MSH') && cells[i]!.field <= 2);
  if (column >= line.length || opensNext(at)) at = Math.max(0, Math.min(column, line.length) - 1);
  const cell = cells[at]!;
  const segment = line.slice(0, 3);
  if (cell.field === 0) return { segment, field: 0, repetition: 1 };
  if (segment === 'MSH' && cell.field <= 2) return { segment, field: cell.field, repetition: 1 };
  const same = (c: Cell) => c.field === cell.field && c.repetition === cell.repetition;
  const rep = cells.filter(same);
  const splitComponents = rep.some((c) => c.component > 1);
  const inComponent = rep.filter((c) => c.component === cell.component);
  const splitSubs = inComponent.some((c) => c.subcomponent > 1);
  return {
    segment,
    field: cell.field,
    repetition: cell.repetition,
    ...(splitComponents || splitSubs ? { component: cell.component } : {}),
    ...(splitSubs ? { subcomponent: cell.subcomponent } : {}),
  };
}

/** Does the character's cell lie inside `p` (its field, repetition, and component/subcomponent when named)? */
function within(c: Cell, p: Hl7Path): boolean {
  return (
    c.field === p.field &&
    c.repetition === p.repetition &&
    (p.component === undefined || c.component === p.component) &&
    (p.subcomponent === undefined || c.subcomponent === p.subcomponent)
  );
}

/**
 * The columns of the value at `p` in a segment line of p's segment, without the separator that opens it; an empty
 * value is the empty range after that separator. Undefined when the line is another segment or does not reach
 * that far (a component a short field does not have is not there).
 */
export function rangeOf(line: string, p: Hl7Path, s: Separators = STANDARD_SEPARATORS): ColumnRange | undefined {
  if (line.slice(0, 3) !== p.segment || p.field === 0) return p.field === 0 && line.startsWith(p.segment) ? { from: 0, to: 3 } : undefined;
  const cells = cellsOf(line, s);
  let from = -1;
  let to = -1;
  for (let i = 3; i < cells.length; i++) {
    if (!within(cells[i]!, p)) {
      if (from >= 0) break;
      continue;
    }
    if (from < 0) from = i;
    to = i + 1;
  }
  if (from < 0) return undefined;
  // The first character is the separator that opened the part (MSH-1 and MSH-2 have none of their own).
  const opener = line.charAt(from);
  const opens = !(p.segment === 'MSH' && p.field <= 2) && [s.field, s.repetition, s.component, s.subcomponent].includes(opener);
  return { from: opens ? from + 1 : from, to };
}

export interface TreeNode {
  path: Hl7Path;
  label: string;
  /** 1-based line of the text, and the value's columns in it. */
  line: number;
  from: number;
  to: number;
  /** The value as written (escapes kept), for the tree's preview. */
  value: string;
  children: TreeNode[];
}

/**
 * Segments → non-empty fields → components (when a field, or one of its repetitions, is split), with their
 * columns: what the editor's tree shows and jumps to. Lines that are not segments are left out.
 */
export function fieldTree(lines: readonly string[], s: Separators = STANDARD_SEPARATORS): TreeNode[] {
  const out: TreeNode[] = [];
  lines.forEach((line, i) => {
    const segment = line.slice(0, 3);
    if (!/^[A-Z][A-Z0-9]{2}$/.test(segment)) return;
    const cells = cellsOf(line, s);
    const fields = new Map<string, { field: number; repetition: number }>();
    for (let c = 3; c < cells.length; c++) {
      const cell = cells[c]!;
      fields.set(`${cell.field}.${cell.repetition}`, { field: cell.field, repetition: cell.repetition });
    }
    const children: TreeNode[] = [];
    for (const { field, repetition } of fields.values()) {
      const path: Hl7Path = { segment, field, repetition };
      const r = rangeOf(line, path, s);
      if (!r || r.to <= r.from) continue;
      const components: TreeNode[] = [];
      const comps = new Set(cells.filter((c) => c.field === field && c.repetition === repetition).map((c) => c.component));
      if (comps.size > 1 && !(segment === 'MSH' && field <= 2)) {
        for (const component of comps) {
          const cp: Hl7Path = { ...path, component };
          const cr = rangeOf(line, cp, s);
          if (cr && cr.to > cr.from)
            components.push({ path: cp, label: pathLabel(cp), line: i + 1, ...cr, value: line.slice(cr.from, cr.to), children: [] });
        }
      }
      children.push({ path, label: pathLabel(path), line: i + 1, ...r, value: line.slice(r.from, r.to), children: components });
    }
    out.push({ path: { segment, field: 0, repetition: 1 }, label: segment, line: i + 1, from: 0, to: 3, value: segment, children });
  });
  return out;
}

/** The deepest node of the tree at a path (component, else field, else segment) on `line`, for following the cursor. */
export function nodeAt(tree: readonly TreeNode[], line: number, p: Hl7Path | undefined): TreeNode | undefined {
  const seg = tree.find((n) => n.line === line);
  if (!seg || !p || p.field === 0) return seg;
  const field = seg.children.find((f) => f.path.field === p.field && f.path.repetition === p.repetition);
  if (!field) return seg;
  return field.children.find((c) => c.path.component === p.component) ?? field;
}
