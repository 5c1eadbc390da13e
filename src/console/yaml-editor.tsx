/**
 * A YAML code editor for the console (CodeMirror 6 with @codemirror/lang-yaml): line numbers, highlighting,
 * undo history, and validation issues (line:col from the API) marked in the text and the gutter.
 *
 * Controlled lightly: `value` replaces the document when it differs from what the editor holds (a load, a
 * save, a rollback), and every edit is reported through `onChange`. Its editable area is an ARIA textbox named
 * by `label` ("Mapping YAML"). Read-only still lets the text be
 * selected and copied. Tab is left to move the focus (keyboard users are not trapped); Enter keeps the
 * indentation. `viewRef` receives the EditorView so a page can move the cursor to an issue.
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { issueRange, type MappingIssue } from './mapping-preview';

export interface YamlEditorProps {
  value: string;
  label: string;
  readOnly: boolean;
  issues: readonly MappingIssue[];
  onChange(text: string): void;
  viewRef?: RefObject<EditorView | null>;
}

const theme = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid var(--line)', borderRadius: '4px', background: '#fff', height: '100%' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', overflow: 'auto' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '1px' },
  '.cm-gutters': { background: '#f3f5f8', borderRight: '1px solid var(--line)' },
});

export function YamlEditor({ value, label, readOnly, issues, onChange, viewRef }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const editable = useRef(new Compartment());
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          drawSelection(),
          history(),
          indentOnInput(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          yaml(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          lintGutter(),
          theme,
          EditorView.contentAttributes.of({ 'aria-label': label }),
          editable.current.of(EditorState.readOnly.of(readOnly)),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) changed.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    if (viewRef) viewRef.current = v;
    return () => {
      v.destroy();
      view.current = null;
      if (viewRef) viewRef.current = null;
    };
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: editable.current.reconfigure(EditorState.readOnly.of(readOnly)),
    });
  }, [readOnly]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const text = v.state.doc.toString();
    const diagnostics: Diagnostic[] = issues.map((i) => ({
      ...issueRange(text, i.line, i.col),
      severity: 'error',
      message: `${i.line}:${i.col} ${i.reason}`,
    }));
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [issues]);

  return <div class="code-editor" ref={host} />;
}

/** Puts the cursor at line:col of the editor and focuses it. */
export function moveCursor(view: EditorView | null, line: number, col: number): void {
  if (!view) return;
  const { from } = issueRange(view.state.doc.toString(), line, col);
  view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
  view.focus();
}
