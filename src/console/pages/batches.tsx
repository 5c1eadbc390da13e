/**
 * Page `#/batches` (billing): 837P batches newest first (GET /api/claims/batches), each downloadable as the
 * X12 file that was sent (fetched with the session, saved from a Blob: the URL carries only the batch id; the
 * download is audited by the server), and building new batches — one per payer from its ready claims
 * (POST /api/claims/batches {payer?}), showing the files made and the claims the 837P writer refused. With a
 * clearinghouse configured, each batch shows its upload (sent, waiting, or failed with the last error and the next
 * attempt) and the TA1 that answered its interchange.
 */
import { useState } from 'preact/hooks';
import { Empty, ErrorBox, IdLink, Show, formatDateTime, useLoad } from '../components';
import { saveText } from '../download';
import { formatMoney } from '../format';
import { batchX12, createBatches, listBatches, retryTransfer, type BatchRow, type BatchRun } from '../ops-api';
import { href } from '../router';
import type { PageProps } from './index';

export function BatchesPage({ route }: PageProps) {
  // `?id=` (a batch link from a claim or a remittance): that batch's row is marked.
  const marked = route.params.get('id') ?? undefined;
  const [reload, setReload] = useState(0);
  const [before, setBefore] = useState<string | undefined>();
  const loaded = useLoad(() => listBatches({ before, limit: 50 }), [before, reload]);
  return (
    <section aria-labelledby="batches-title">
      <h1 id="batches-title">Batches</h1>
      <BuildBatches
        onBuilt={() => {
          setBefore(undefined);
          setReload((r) => r + 1);
        }}
      />
      <Show loaded={loaded} what="batches">
        {({ batches, next }) =>
          batches.length === 0 ? (
            <Empty>No batch yet. Ready claims go into the next batch of their payer (Build batches).</Empty>
          ) : (
            <>
              <table>
                <thead>
                  <tr>
                    <th>Batch</th>
                    <th>Payer</th>
                    <th>File</th>
                    <th>ISA13</th>
                    <th>Claims</th>
                    <th>Total</th>
                    <th>Made</th>
                    <th>By</th>
                    <th>Clearinghouse</th>
                    <th>
                      <span class="sr-only">Download</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {batches.map((b) => (
                    <tr key={b.id} id={`batch-${b.id}`} class={marked === String(b.id) ? 'marked' : undefined}>
                      <td>
                        <IdLink kind="batch" id={b.id}>
                          #{b.id}
                        </IdLink>
                        {b.usage === 'T' ? (
                          <span class="badge" title="ISA15 T: a test interchange">
                            test
                          </span>
                        ) : null}
                      </td>
                      <td>
                        <a href={href('/claims', { payer: b.payerId })}>{b.payerId}</a>
                      </td>
                      <td class="mono">{b.fileName}</td>
                      <td>{b.interchangeControl}</td>
                      <td>
                        <a href={href('/claims', { batch: b.id })} title={`the claims of batch #${b.id}`}>
                          {b.claimCount}
                        </a>
                      </td>
                      <td class="num">{formatMoney(b.totalCharge)}</td>
                      <td>{formatDateTime(b.createdAt)}</td>
                      <td>{b.actor}</td>
                      <td>
                        <TransferCell batch={b} />
                      </td>
                      <td>
                        <DownloadButton id={b.id} fileName={b.fileName} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div class="pager">
                {before && (
                  <button type="button" class="link" onClick={() => setBefore(undefined)}>
                    Newest
                  </button>
                )}
                {next && (
                  <button type="button" class="link" onClick={() => setBefore(next)}>
                    Older batches
                  </button>
                )}
              </div>
            </>
          )
        }
      </Show>
    </section>
  );
}

/** The upload's state and the TA1; empty when no clearinghouse takes this payer's batches. */
function TransferCell({ batch }: { batch: BatchRow }) {
  const [retry, setRetry] = useState<{ busy: boolean; done?: boolean; error?: Error }>({ busy: false });
  const t = batch.transfer;
  const ta1 = batch.ta1;
  return (
    <>
      {t ? (
        t.status === 'sent' ? (
          <span class="state ok" title={`${t.clearinghouse}: ${t.remoteName}`}>
            sent {t.sentAt ? formatDateTime(t.sentAt) : ''}
          </span>
        ) : t.status === 'failed' ? (
          <span class="state error" title={t.lastError ?? ''}>
            failed ({t.attempts} {t.attempts === 1 ? 'attempt' : 'attempts'}
            {t.nextAttemptAt ? `, next ${formatDateTime(t.nextAttemptAt)}` : ', no more retries'}): {t.lastError}
            {retry.done ? (
              <span class="muted"> (due now)</span>
            ) : (
              <button
                type="button"
                disabled={retry.busy}
                onClick={async () => {
                  setRetry({ busy: true });
                  try {
                    await retryTransfer(batch.id);
                    setRetry({ busy: false, done: true });
                  } catch (err) {
                    setRetry({ busy: false, error: err as Error });
                  }
                }}
              >
                Retry now
              </button>
            )}
            {retry.error && <ErrorBox error={retry.error} />}
          </span>
        ) : (
          <span class="muted">waiting to upload</span>
        )
      ) : (
        <span class="muted">outbox only</span>
      )}
      {ta1 && (
        <div class={ta1.ackCode === 'R' ? 'state error' : ta1.ackCode === 'E' ? 'state warn' : 'state ok'}>
          TA1 {ta1.ackCode === 'R' ? 'rejected' : ta1.ackCode === 'E' ? 'accepted with errors' : 'accepted'}
          {ta1.noteCode && ta1.noteCode !== '000' ? `: ${ta1.noteCode} ${ta1.meaning ?? ''}` : ''}
        </div>
      )}
    </>
  );
}

export function DownloadButton({ id, fileName }: { id: string; fileName: string }) {
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });
  async function download() {
    setState({ busy: true });
    try {
      const text = await batchX12(id);
      saveText(fileName, text, 'application/edi-x12');
      setState({ busy: false });
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }
  return (
    <>
      <button type="button" onClick={download} disabled={state.busy} aria-label={`Download ${fileName}`}>
        {state.busy ? 'Downloading…' : 'Download'}
      </button>
      {state.error && <ErrorBox error={state.error} />}
    </>
  );
}

function BuildBatches({ onBuilt }: { onBuilt(): void }) {
  const [payer, setPayer] = useState('');
  const [state, setState] = useState<{ busy: boolean; run?: BatchRun; error?: Error }>({ busy: false });

  async function build(e: Event) {
    e.preventDefault();
    setState({ busy: true });
    try {
      const run = await createBatches(payer.trim() || undefined);
      setState({ busy: false, run });
      onBuilt();
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  const run = state.run;
  return (
    <form class="panel" aria-label="Build batches" onSubmit={build}>
      <div class="toolbar">
        <label>
          Payer id (empty: every payer)
          <input value={payer} size={14} onInput={(e) => setPayer((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" disabled={state.busy}>
          {state.busy ? 'Building…' : 'Build batches'}
        </button>
        <span class="muted">One 837P file per payer from its ready claims, written to the outbox.</span>
      </div>
      {state.error && <ErrorBox error={state.error} />}
      {run && (
        <div role="status">
          {run.batches.length === 0 ? (
            <p class="state empty">No ready claim to batch{payer.trim() ? ` for payer ${payer.trim()}` : ''}.</p>
          ) : (
            <p class="state ok">
              {run.batches.length} {run.batches.length === 1 ? 'batch' : 'batches'} made:{' '}
              {run.batches.map((b) => `${b.fileName} (${b.claimIds.length} claims, ${formatMoney(b.totalCharge)})`).join('; ')}.
              {run.batches.some((b) => !b.written) && ' Some files could not be moved into the outbox: download them here.'}
            </p>
          )}
          {run.held.length > 0 && (
            <div class="state warn">
              The 837P writer refused {run.held.length} {run.held.length === 1 ? 'claim' : 'claims'} (now held):
              <ul>
                {run.held.map((h) => (
                  <li key={h.claimId}>
                    <a href={href(`/claims/${h.claimId}`)}>#{h.claimId}</a>: {h.reason}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </form>
  );
}
