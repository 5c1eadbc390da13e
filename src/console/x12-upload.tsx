/**
 * A form that reads one X12 file chosen by the user (at most 10 MiB, the API's limit) and hands its name and text
 * to `send`, showing the error `send` throws. Used by the remittances and eligibility pages.
 */
import { useState } from 'preact/hooks';
import { ErrorBox } from './components';

/** Largest file sent (the API's limit is 10 MiB). */
const MAX_BYTES = 10 * 1024 * 1024;

export function X12Upload({
  title,
  label,
  button,
  accept,
  send,
}: {
  title: string;
  label: string;
  button: string;
  /** The file input's accept list; default the 835/999/277 endings. */
  accept?: string;
  send(file: string, x12: string): Promise<void>;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });

  async function submit(e: Event) {
    e.preventDefault();
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setState({ busy: false, error: new Error(`${file.name} is larger than 10 MiB`) });
      return;
    }
    setState({ busy: true });
    try {
      await send(file.name, await file.text());
      setState({ busy: false });
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  return (
    <form class="panel" aria-label={title} onSubmit={submit}>
      <h2>{title}</h2>
      <label class="block">
        {label}
        <input
          type="file"
          accept={accept ?? '.835,.999,.997,.277,.x12,.edi,.txt,text/plain'}
          onChange={(e) => {
            setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null);
            setState({ busy: false });
          }}
        />
      </label>
      <button type="submit" class="primary" disabled={!file || state.busy}>
        {state.busy ? 'Sending…' : button}
      </button>
      {state.error && <ErrorBox error={state.error} />}
    </form>
  );
}
