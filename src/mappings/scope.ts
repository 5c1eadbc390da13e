/**
 * Segment groups and where a path reads, for one record occurrence. Pure.
 *
 * occurrencesOf splits a message into the groups of a rule: `group` lists the group's segment names in structure
 * order and includes the anchor (`forEach`). Walking the message, a segment named before the anchor in the list
 * (ORC, TQ1 before RXA) opens a new group when the current one already has its anchor or has moved past that
 * position; the anchor joins the current group unless it already has one; segments named after the anchor
 * (RXR, OBX, NTE) join the current group; any other segment closes it. Only groups with an anchor count.
 *
 * resolve picks the segment a path reads for an occurrence: a group segment is looked for inside the
 * occurrence's group; any other segment without a selector is the nearest one before the group (PID for
 * an FT1, OBR for an OBX), else the first one after it; with a selector ([n], where) the whole message is
 * searched in order.
 */
import type { Hl7Message, Hl7Segment } from '../hl7/parse';
import { selectSegment, type PathRef } from '../hl7/path';

export interface Occurrence {
  /** Index in msg.segments of the anchor segment. */
  anchor: number;
  /** First and last index (inclusive) of the group. */
  start: number;
  end: number;
}

export function occurrencesOf(msg: Hl7Message, anchorName: string, group: readonly string[]): Occurrence[] {
  const anchorPos = group.indexOf(anchorName);
  const out: Occurrence[] = [];
  let current: { anchor: number; start: number; end: number; lastPos: number } | undefined;
  const close = () => {
    if (current && current.anchor >= 0) out.push({ anchor: current.anchor, start: current.start, end: current.end });
    current = undefined;
  };
  msg.segments.forEach((seg, i) => {
    const pos = group.indexOf(seg.name);
    if (pos < 0) {
      close();
      return;
    }
    if (pos < anchorPos) {
      if (!current || current.anchor >= 0 || pos < current.lastPos) {
        close();
        current = { anchor: -1, start: i, end: i, lastPos: pos };
      }
    } else if (pos === anchorPos) {
      if (!current || current.anchor >= 0) {
        close();
        current = { anchor: i, start: i, end: i, lastPos: pos };
      }
      current.anchor = i;
    } else if (!current) {
      return; // a trailing member without its anchor belongs to no occurrence
    }
    current.end = i;
    current.lastPos = Math.max(current.lastPos, pos);
  });
  close();
  return out;
}

export function resolve(msg: Hl7Message, occ: Occurrence, group: readonly string[], ref: PathRef): Hl7Segment | undefined {
  const segs = msg.segments;
  if (group.includes(ref.segment)) {
    if (!ref.selector && ref.segment === segs[occ.anchor]?.name) return segs[occ.anchor];
    const inGroup: Hl7Segment[] = [];
    for (let i = occ.start; i <= occ.end; i++) if (segs[i]!.name === ref.segment) inGroup.push(segs[i]!);
    return selectSegment(inGroup, ref, msg.delimiters);
  }
  if (ref.selector)
    return selectSegment(
      segs.filter((s) => s.name === ref.segment),
      ref,
      msg.delimiters,
    );
  for (let i = occ.start - 1; i >= 0; i--) if (segs[i]!.name === ref.segment) return segs[i];
  for (let i = occ.end + 1; i < segs.length; i++) if (segs[i]!.name === ref.segment) return segs[i];
  return undefined;
}

/** 1-based occurrence number of the segment at `index` among segments of its name (for ERR locations). */
export function sequenceOf(msg: Hl7Message, index: number): number {
  const name = msg.segments[index]?.name;
  let n = 0;
  for (let i = 0; i <= index; i++) if (msg.segments[i]?.name === name) n++;
  return n;
}
