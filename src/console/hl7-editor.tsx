/**
 * An editor for one raw HL7 message (the dead-letter view), on CodeMirror 6 (@codemirror/state, view, lint,
 * commands — the packages the mapping editor uses too): segment ids, separators, MSH-2 and escape sequences
 * highlighted (tokens from hl7-view.ts, separators read from the text's own MSH-2), and the problems of
 * `validateHl7` underlined as you type. Segments are edited one per line; `onChange` gets the text with CR between
 * segments, as HL7 wants it. Tab is not captured: it moves the focus on, so the page stays keyboard-friendly.
 */
import { history, defaultKeymap, historyKeymap } from '@codemirror/commands';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorState, RangeSetBuilder, type Text } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin, keymap, lineNumbers, type DecorationSet, type ViewUpdate } from '@codemirror/view';
import { useEffect, useRef } from 'preact/hooks';
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

/** HL7 as the editor shows it (one segment per line) and back (CR separated). */
export const toEditorText = (raw: string) => raw.replace(/\r\n|\r/g, '\n');
export const fromEditorText = (text: string) => text.replace(/\n+$/, '').split('\n').join('\r');

export function Hl7Editor({ initial, onChange, label }: { initial: string; onChange(raw: string): void; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

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
          EditorView.updateListener.of((u) => {
            if (u.docChanged) changed.current(fromEditorText(u.state.doc.toString()));
          }),
        ],
      }),
    });
    return () => view.destroy();
  }, [initial, label]);

  return <div class="hl7-editor" ref={host} />;
}
