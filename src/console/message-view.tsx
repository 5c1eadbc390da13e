/**
 * An HL7 message shown two ways (operator+ only: these render message bodies): `FieldTree`, the readable
 * segment/field tree (field names by the message's MSH-12 version from src/hl7/field-names.ts; repetitions,
 * components and subcomponents nested; escape sequences decoded), and `RawHl7`, the text as received with
 * separators, segment ids and escape sequences highlighted, one segment per line.
 */
import { useState } from 'preact/hooks';
import { fieldName, segmentTitle } from '../hl7/field-names';
import {
  parseForView,
  positionLabel,
  splitLines,
  tokenizeLine,
  type Separators,
  type ViewField,
  type ViewMessage,
  type ViewSegment,
} from './hl7-view';

function leafText(value: string) {
  return value === '' ? <span class="muted">(empty)</span> : <span class="value">{value}</span>;
}

function isSimple(f: ViewField): boolean {
  return (
    f.repetitions.length === 1 && f.repetitions[0]!.components.length === 1 && f.repetitions[0]!.components[0]!.subcomponents.length === 1
  );
}

function FieldValue({ seg, f }: { seg: string; f: ViewField }) {
  if (isSimple(f)) return leafText(f.repetitions[0]!.components[0]!.subcomponents[0] ?? '');
  const repeated = f.repetitions.length > 1;
  return (
    <ul class="tree-children">
      {f.repetitions.map((rep, r) => {
        const components = rep.components.map((c, ci) => {
          const label = positionLabel(seg, f.index, repeated ? r + 1 : undefined, ci + 1);
          if (c.subcomponents.length === 1) {
            if (c.subcomponents[0] === '') return null;
            return (
              <li key={label}>
                <span class="pos">{label}</span> {leafText(c.subcomponents[0] ?? '')}
              </li>
            );
          }
          return (
            <li key={label}>
              <span class="pos">{label}</span>
              <ul class="tree-children">
                {c.subcomponents.map((sub, si) =>
                  sub === '' ? null : (
                    <li key={si}>
                      <span class="pos">{positionLabel(seg, f.index, repeated ? r + 1 : undefined, ci + 1, si + 1)}</span> {leafText(sub)}
                    </li>
                  ),
                )}
              </ul>
            </li>
          );
        });
        return repeated ? (
          <li key={r}>
            <span class="pos">{positionLabel(seg, f.index, r + 1)}</span>
            <ul class="tree-children">{components}</ul>
          </li>
        ) : (
          components
        );
      })}
    </ul>
  );
}

function SegmentNode({ seg, version, showEmpty }: { seg: ViewSegment; version: string; showEmpty: boolean }) {
  const title = seg.name === '?' ? 'not a segment' : segmentTitle(seg.name);
  const fields = seg.fields.filter((f) => showEmpty || f.raw !== '');
  return (
    <details open class="segment" data-segment={seg.name}>
      <summary>
        <strong class="mono">{seg.name}</strong> {title && <span>{title}</span>} <span class="muted">line {seg.line}</span>
      </summary>
      <ul class="fields">
        {fields.map((f) => {
          const name = seg.name === '?' ? undefined : fieldName(version, seg.name, f.index);
          return (
            <li key={f.index} class="field" data-field={`${seg.name}-${f.index}`}>
              <span class="pos">{positionLabel(seg.name, f.index)}</span> <span class="fname">{name ?? ''}</span>{' '}
              {f.raw === '' ? <span class="muted">(empty)</span> : <FieldValue seg={seg.name} f={f} />}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

export function FieldTree({ message }: { message: ViewMessage }) {
  const [showEmpty, setShowEmpty] = useState(false);
  return (
    <div class="field-tree" aria-label="Segments and fields">
      <label class="inline">
        <input type="checkbox" checked={showEmpty} onChange={(e) => setShowEmpty((e.target as HTMLInputElement).checked)} /> show empty
        fields
      </label>
      {message.version === '' && <p class="muted">MSH-12 (version) is empty: field names are not shown.</p>}
      {message.segments.map((s, i) => (
        <SegmentNode key={i} seg={s} version={message.version} showEmpty={showEmpty} />
      ))}
    </div>
  );
}

/** One line of HL7 with highlighting spans. */
export function HighlightedLine({ text, separators }: { text: string; separators?: Separators }) {
  return (
    <>
      {tokenizeLine(text, separators).map((t, i) => (
        <span key={i} class={`hl7-${t.kind}`}>
          {text.slice(t.from, t.to)}
        </span>
      ))}
    </>
  );
}

export function RawHl7({ text }: { text: string }) {
  const parsed = parseForView(text);
  const separators = 'error' in parsed ? undefined : parsed.separators;
  return (
    <pre class="hl7-raw" aria-label="Raw message">
      {splitLines(text).map((l) => (
        <div key={l.line}>
          <HighlightedLine text={l.text} separators={separators} />
        </div>
      ))}
    </pre>
  );
}

/** The tree and the raw text side by side; a text that cannot be read as HL7 is shown raw with the reason. */
export function MessageBody({ text }: { text: string }) {
  const parsed = parseForView(text);
  return (
    <div class="message-body">
      <section class="panel">
        <h2>Segments</h2>
        {'error' in parsed ? <p class="state error">{parsed.error}</p> : <FieldTree message={parsed} />}
      </section>
      <section class="panel">
        <h2>Raw message</h2>
        <RawHl7 text={text} />
      </section>
    </div>
  );
}
