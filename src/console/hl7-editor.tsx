/**
 * An editor for one raw HL7 message (the dead-letter view), on CodeMirror 6 (@codemirror/state, view, lint,
 * commands — the packages the mapping editor uses too): segment ids, separators, MSH-2 and escape sequences
 * highlighted (tokens from hl7-view.ts, separators read from the text's own MSH-2), and the problems of
 * `validateHl7` underlined as you type. Segments are edited one per line; `onChange` gets the text with CR between
 * segments, as HL7 wants it. Tab is not captured: it moves the focus on, so the page stays keyboard-friendly.
 * The positions an error names (`failing`, hl7-path.ts) are marked in the text wherever their segment is (class
 * `hl7-failing`; an empty value marks the separator before it), `onCursor` hears the line and HL7 path under the
 * cursor, and `control` lets the page move the cursor to a node of the field tree.
 */
import { history, defaultKeymap, historyKeymap } from '@codemirror/commands';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorState, RangeSetBuilder, type Text } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin, keymap, lineNumbers, type DecorationSet, type ViewUpdate } from '@codemirror/view';
import { useEffect, useRef } from 'preact/hooks';
import { pathAt, rangeOf, type Hl7Path } from './hl7-path';
import { STANDARD_SEPARATORS, readSeparators, tokenizeLine, validateHl7, type Separators } from './hl7-view';

/** Separators declared by the first line, when it is a readable MSH; the standard ones otherwise. */
function separatorsOf(doc: Text): Separators {
  const first = doc.line(1).text.trimStart();
  if (!first.startsWith('MSH')) return STANDARD_SEPARATORS;
  const read = readSeparators(first);
  return 'separators' in read ? read.separators : STANDARD_SEPARATORS;
}

const marks = new Map<string, Decoration>();
function mark(kind: string): Decoration {
  let m = marks.get(kind);
  if (!m) {
    m = Decoration.mark({ class: `hl7-${kind}` });
    marks.set(kind, m);
  }
  return m;
}

function decorate(view: EditorView): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  const s = separatorsOf(view.state.doc);
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to;) {
      const line = view.state.doc.lineAt(pos);
      for (const t of tokenizeLine(line.text, s)) if (t.kind !== 'text') builder.add(line.from + t.from, line.from + t.to, mark(t.kind));
      pos = line.to + 1;
    }
  }
  return builder.finish();
}

const highlighter = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged) this.decorations = decorate(u.view);
    }
  },
  { decorations: (p) => p.decorations },
);

function diagnostics(view: EditorView): Diagnostic[] {
  const doc = view.state.doc;
  return validateHl7(doc.toString()).map((i) => {
    const line = doc.line(Math.min(Math.max(1, i.line), doc.lines));
    const from = Math.min(line.from + i.from - 1, line.to);
    const to = Math.max(from, Math.min(line.from + i.to - 1, line.to));
    return { from, to, severity: i.severity, message: i.message };
  });
}

const failingMark = Decoration.mark({ class: 'hl7-failing', attributes: { title: 'the position the error names' } });

/** Marks of the failing positions on every line of their segment (recomputed from the text as it is edited). */
function failingMarks(view: EditorView, failing: readonly Hl7Path[]): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  if (failing.length === 0) return builder.finish();
  const s = separatorsOf(view.state.doc);
  const doc = view.state.doc;
  for (let n = 1; n <= doc.lines; n++) {
    const line = doc.line(n);
    const ranges = failing.flatMap((p) => {
      const r = rangeOf(line.text, p, s);
      if (!r) return [];
      // An empty value: the separator that opens it.
      return [r.to > r.from ? r : { from: Math.max(0, r.from - 1), to: r.from }];
    });
    ranges.sort((a, b) => a.from - b.from);
    for (const r of ranges) if (r.to > r.from) builder.add(line.from + r.from, line.from + r.to, failingMark);
  }
  return builder.finish();
}

function failingHighlighter(failing: readonly Hl7Path[]) {
  return ViewPlugin.fromClass(
    class {
      decorations: DecorationSet;
      constructor(view: EditorView) {
        this.decorations = failingMarks(view, failing);
      }
      update(u: ViewUpdate) {
        if (u.docChanged) this.decorations = failingMarks(u.view, failing);
      }
    },
    { decorations: (p) => p.decorations },
  );
}

/** Where the cursor is: 1-based line and the HL7 path there (undefined on a line that is not a segment). */
export interface CursorPosition {
  line: number;
  path: Hl7Path | undefined;
}

/** Lets the page act on the editor: select columns `from`–`to` of a 1-based line and focus the text. */
export interface EditorControl {
  select(line: number, from: number, to: number): void;
}

/** HL7 as the editor shows it (one segment per line) and back (CR separated). */
export const toEditorText = (raw: string) => raw.replace(/\r\n|\r/g, '\n');
export const fromEditorText = (text: string) => text.replace(/\n+$/, '').split('\n').join('\r');

export function Hl7Editor({
  initial,
  onChange,
  label,
  failing = [],
  onCursor,
  control,
}: {
  initial: string;
  onChange(raw: string): void;
  label: string;
  failing?: readonly Hl7Path[];
  onCursor?(at: CursorPosition): void;
  control?: { current: EditorControl | null };
}) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  const cursor = useRef(onCursor);
  cursor.current = onCursor;
  const failingKey = failing.map((p) => `${p.segment}-${p.field}[${p.repetition}].${p.component ?? ''}.${p.subcomponent ?? ''}`).join(' ');

  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: toEditorText(initial),
        extensions: [
          lineNumbers(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorView.lineWrapping,
          highlighter,
          linter(diagnostics, { delay: 200 }),
          lintGutter(),
          EditorView.contentAttributes.of({ 'aria-label': label, spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off' }),
          failingHighlighter(failing),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) changed.current(fromEditorText(u.state.doc.toString()));
            if (u.docChanged || u.selectionSet) {
              // A selection (a jump from the tree selects a value) is read at its start.
              const head = u.state.selection.main.from;
              const line = u.state.doc.lineAt(head);
              cursor.current?.({ line: line.number, path: pathAt(line.text, head - line.from, separatorsOf(u.state.doc)) });
            }
          }),
        ],
      }),
    });
    if (control) {
      control.current = {
        select(lineNo, from, to) {
          const doc = view.state.doc;
          const line = doc.line(Math.min(Math.max(1, lineNo), doc.lines));
          const anchor = Math.min(line.from + from, line.to);
          view.dispatch({ selection: { anchor, head: Math.min(line.from + to, line.to) }, scrollIntoView: true });
          view.focus();
        },
      };
    }
    return () => {
      view.destroy();
      if (control) control.current = null;
    };
  }, [initial, label, failingKey]);

  return <div class="hl7-editor" ref={host} />;
}
