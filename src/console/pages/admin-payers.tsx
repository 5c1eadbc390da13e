/**
 * Administration → Payers (`#/admin/payers`, admin): billing.yaml without a restart.
 * - **Reload billing.yaml** (POST /api/billing/reload): the payers added and removed, or, when the file does not
 *   validate (422, the configuration in force stays), each issue as `file:line:col: key "…" must be …`.
 * - **Unknown payer ids** (GET /api/billing/unknown-payers): the ids incoming coverages carry that billing does not
 *   know, with how many patients and waiting charges carry each and when it was first and last seen (counts only).
 *   Each row has **Add this payer**: a form (payer id as the clearinghouse wants it, name, claim filing indicator,
 *   the feed's id kept as a crosswalk when it differs) that POSTs /api/billing/payers, which writes billing.yaml,
 *   reloads it and lets the next claim build claim the waiting charges. The list is read again after each change.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { Empty, ErrorBox, formatDateTime, Show, useLoad } from '../components';
import { addPayer, billingIssuesOf, listUnknownPayers, reloadBilling, type BillingFileIssue, type UnknownPayer } from '../ops-api';

/** The SBR09 codes a pharmacy meets most; the engine checks the full list. */
const FILING_INDICATORS: ReadonlyArray<[string, string]> = [
  ['CI', 'commercial insurance'],
  ['BL', 'Blue Cross / Blue Shield'],
  ['HM', 'HMO'],
  ['12', 'PPO'],
  ['MB', 'Medicare Part B'],
  ['MC', 'Medicaid'],
  ['CH', 'TRICARE'],
  ['WC', 'workers’ compensation'],
];

export function PayersAdmin() {
  const unknown = useLoad(listUnknownPayers, []);
  const [reload, setReload] = useState<{ busy: boolean; message?: string; issues?: BillingFileIssue[]; error?: Error }>({ busy: false });
  const [adding, setAdding] = useState<string | undefined>();
  const [added, setAdded] = useState<string | undefined>();

  async function reloadFile() {
    setReload({ busy: true });
    try {
      const r = await reloadBilling();
      const change = [
        r.added.length > 0 ? `added ${r.added.join(', ')}` : '',
        r.removed.length > 0 ? `removed ${r.removed.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      setReload({
        busy: false,
        message: `Reloaded ${r.file}: ${r.payers.length} payers${change ? ` (${change})` : ', no payer added or removed'}.`,
      });
      unknown.reload();
    } catch (err) {
      setReload({ busy: false, error: err as Error, issues: billingIssuesOf(err) });
    }
  }

  return (
    <>
      <section class="panel" aria-labelledby="billing-reload-title">
        <h2 id="billing-reload-title">billing.yaml</h2>
        <p class="muted">
          The engine reloads billing.yaml when it changes on disk, without a restart (intake goes on). An edit that does not validate is
          refused and the configuration in force stays; reload here to see why.
        </p>
        <div class="toolbar">
          <button type="button" class="primary" onClick={reloadFile} disabled={reload.busy}>
            {reload.busy ? 'Reloading…' : 'Reload billing.yaml'}
          </button>
        </div>
        {reload.message && (
          <p class="state ok" role="status">
            {reload.message}
          </p>
        )}
        {reload.issues ? (
          <div class="issues" role="alert">
            <strong>billing.yaml does not validate; the configuration in force stays:</strong>
            <ul>
              {reload.issues.map((i, k) => (
                <li key={k} class="mono">
                  {i.text}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          reload.error && <ErrorBox error={reload.error} />
        )}
      </section>

      <h2 id="unknown-payers-title">Unknown payer ids</h2>
      <p class="muted">
        Payer ids of incoming coverages that billing.yaml does not know: their charges wait unclaimed. Add the payer and the next claim
        build claims them; no message needs to be sent again.
      </p>
      {added && (
        <p class="state ok" role="status">
          {added}
        </p>
      )}
      <Show loaded={unknown} what="unknown payer ids">
        {(data) =>
          data.payers.length === 0 ? (
            <Empty>Every payer id of the incoming coverages is in {data.file}.</Empty>
          ) : (
            <table aria-labelledby="unknown-payers-title">
              <thead>
                <tr>
                  <th scope="col">Payer id (as the feed sends it)</th>
                  <th scope="col">Patients</th>
                  <th scope="col">Waiting charges</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">
                    <span class="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.payers.map((p) => (
                  <Fragment key={p.payerId}>
                    <tr>
                      <td class="mono">{p.payerId}</td>
                      <td>{p.patients}</td>
                      <td>{p.charges}</td>
                      <td>{formatDateTime(p.firstSeen)}</td>
                      <td>{formatDateTime(p.lastSeen)}</td>
                      <td>
                        <button
                          type="button"
                          onClick={() => setAdding(adding === p.payerId ? undefined : p.payerId)}
                          aria-expanded={adding === p.payerId}
                        >
                          Add this payer
                        </button>
                      </td>
                    </tr>
                    {adding === p.payerId && (
                      <tr>
                        <td colSpan={6}>
                          <AddPayerForm
                            seen={p}
                            onCancel={() => setAdding(undefined)}
                            onAdded={(message) => {
                              setAdding(undefined);
                              setAdded(message);
                              unknown.reload();
                            }}
                          />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

function AddPayerForm(props: { seen: UnknownPayer; onCancel(): void; onAdded(message: string): void }) {
  const { seen } = props;
  const [id, setId] = useState(/^[A-Za-z0-9-]{2,80}$/.test(seen.payerId) ? seen.payerId : '');
  const [name, setName] = useState('');
  const [filingIndicator, setFilingIndicator] = useState('CI');
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });

  async function submit(e: Event) {
    e.preventDefault();
    setState({ busy: true });
    try {
      const payerId = id.trim();
      const res = await addPayer({
        id: payerId,
        name: name.trim(),
        filingIndicator,
        ...(payerId !== seen.payerId ? { feedId: seen.payerId } : {}),
      });
      props.onAdded(
        `Payer ${res.id} added to ${res.file}${payerId !== seen.payerId ? ` (coverages with ${seen.payerId} bill it)` : ''}. ` +
          'Build claims to claim its waiting charges.',
      );
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  const crosswalk = id.trim() !== '' && id.trim() !== seen.payerId;
  return (
    <form class="panel" aria-label={`Add payer ${seen.payerId}`} onSubmit={submit}>
      <div class="toolbar">
        <label>
          Payer id (837P, as the clearinghouse gives it)
          <input value={id} onInput={(e) => setId(e.currentTarget.value)} required maxLength={80} pattern="[A-Za-z0-9-]{2,80}" />
        </label>
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={60} />
        </label>
        <label>
          Plan type (claim filing indicator, SBR09)
          <select value={filingIndicator} onChange={(e) => setFilingIndicator(e.currentTarget.value)}>
            {FILING_INDICATORS.map(([code, words]) => (
              <option key={code} value={code}>
                {code} — {words}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p class="muted">
        {crosswalk
          ? `The feed's id ${seen.payerId} is kept as this payer's feedIds: its coverages bill ${id.trim()}.`
          : 'Give another payer id to keep the feed’s id as a crosswalk to it.'}
      </p>
      <div class="toolbar">
        <button type="submit" class="primary" disabled={state.busy}>
          {state.busy ? 'Adding…' : 'Add to billing.yaml'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      {state.error && <ErrorBox error={state.error} />}
    </form>
  );
}
