/**
 * Small shared pieces of the console: loading / error / empty states, a data hook, dates and status badges, and the
 * confirmation every destructive action asks for.
 * Every page shows one of: loading, an error with the API's reason, an empty state that says what would appear,
 * or the data.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { idHref, idLabel, type IdKind } from './id-links';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * A form's state that starts from `value` (e.g. the filter in the URL) and starts over from it when `key` changes
 * (a new URL). Not on the first render: what the user typed before the first effect ran is kept.
 */
export function useFormFrom<T>(value: T, key: string): [T, (next: T | ((prev: T) => T)) => void] {
  const [state, setState] = useState(value);
  const seen = useRef(key);
  useEffect(() => {
    if (seen.current === key) return;
    seen.current = key;
    setState(value);
  }, [key]);
  return [state, setState];
}

/** Runs `load` on mount and whenever `deps` change; `reload()` runs it again. Stale answers are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Loading({ what }: { what?: string }) {
  return (
    <p class="state loading" role="status">
      Loading{what ? ` ${what}` : ''}…
    </p>
  );
}

export function ErrorBox({ error }: { error: Error }) {
  const code = error instanceof ApiError ? error.code : 'ERROR';
  return (
    <p class="state error" role="alert">
      <strong>{code}</strong> {error.message}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

/** Renders loading / error / children(data). */
export function Show<T>({ loaded, what, children }: { loaded: Loaded<T>; what?: string; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (loaded.data === undefined) return <Loading what={what} />;
  return <>{children(loaded.data)}</>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.replace(/[^a-z0-9-]/gi, '')}`}>{status}</span>;
}

/**
 * Marks a message received although its sender had used its control id (MSH-10) with other content inside the
 * duplicate window: not a duplicate (it was processed), but the sender's numbering is worth a look.
 */
export function ReusedControlIdBadge({ of }: { of: string }) {
  return (
    <span
      class="badge sev-warning reused-control-id"
      data-reused-of={of}
      title={`The sender used this control id (MSH-10) for message ${of} with other content; this message was processed as a new one, not as a duplicate.`}
    >
      reused MSH-10
    </span>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/**
 * The button of a destructive action (void, close, disable, replace): the first click only asks, in place, `question`
 * with "Confirm …" and "Cancel" buttons; `onConfirm` runs on the confirm alone. The question is a named group, so
 * keyboard and screen-reader users hear what they are confirming.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  disabled,
  onConfirm,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  disabled?: boolean;
  onConfirm(): void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" class="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        class="danger"
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/**
 * An id shown on a page, as a link to its page (id-links.ts): message ↔ charge ↔ claim ↔ batch ↔ remittance. A click
 * does not reach a clickable row around it. An id without a page (a charge whose message is not known), or whose page
 * the user's role may not open (`plain`), is plain text.
 */
export function IdLink({
  kind,
  id,
  messageId,
  plain,
  children,
}: {
  kind: IdKind;
  id: string | number;
  messageId?: string | null;
  /** The user's role may not open that page (a viewer and a claim): the id as plain text. */
  plain?: boolean;
  children?: ComponentChildren;
}) {
  const text = String(id);
  const target = plain ? undefined : idHref(kind, text, messageId);
  const body = children ?? text;
  if (!target) return <span class="mono id">{body}</span>;
  return (
    <a class="mono id" href={target} title={idLabel(kind, text)} data-id-kind={kind} onClick={(e) => e.stopPropagation()}>
      {body}
    </a>
  );
}
