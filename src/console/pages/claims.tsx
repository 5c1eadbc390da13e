/**
 * Page `#/claims?status=&payer=` (viewer reads the list; billing acts): claims newest first with filters by
 * status and payer (ids and statuses only in the URL), paged with the API's cursor. A billing user builds
 * claims from unclaimed charges here (POST /api/claims/build, the answer shown: created, held and excluded
 * charges with their reasons), sees what a build would leave unclaimed, and opens a claim: `#/claims/<id>`
 * (claim-detail.tsx). Each row shows the date of service and, for operator and above, the patient reference (the
 * API audits that view); above the rows, the count and amount per status of every claim the filter matches.
 */
import { useState } from 'preact/hooks';
import { Empty, ErrorBox, Show, StatusBadge, useFormFrom, useLoad } from '../components';
import { formatMoney, moneyValue } from '../format';
import {
  buildClaims,
  CLAIM_STATUSES,
  listClaims,
  unclaimedCharges,
  type BuildSummary,
  type ClaimStatusTotal,
  type UnclaimedCharge,
} from '../ops-api';
import { href, navigate } from '../router';
import { hasRole } from '../session';
import { ClaimDetail } from './claim-detail';
import type { PageProps } from './index';

const PAGE_SIZE = 50;

export function ClaimsPage({ route, user }: PageProps) {
  const id = route.parts[1];
  if (id) return <ClaimDetail key={id} id={id} />;
  const status = route.params.get('status') ?? '';
  const payer = route.params.get('payer') ?? '';
  const before = route.params.get('before') ?? '';
  const batch = route.params.get('batch') ?? '';
  return <ClaimList status={status} payer={payer} batch={batch} before={before} billing={hasRole(user, 'billing')} />;
}

function ClaimList({
  status,
  payer,
  batch,
  before,
  billing,
}: {
  status: string;
  payer: string;
  batch: string;
  before: string;
  billing: boolean;
}) {
  const [reload, setReload] = useState(0);
  const loaded = useLoad(
    () => listClaims({ status, payer, ...(batch ? { batch } : {}), before, limit: PAGE_SIZE }),
    [status, payer, batch, before, reload],
  );
  const [payerInput, setPayerInput] = useFormFrom(payer, payer);

  function filter(next: { status?: string; payer?: string }) {
    navigate('/claims', { status: next.status ?? status, payer: next.payer ?? payer, ...(batch ? { batch } : {}) });
  }

  return (
    <section aria-labelledby="claims-title">
      <h1 id="claims-title">Claims</h1>
      <form
        class="toolbar"
        aria-label="Claim filters"
        onSubmit={(e) => {
          e.preventDefault();
          filter({ payer: payerInput.trim() });
        }}
      >
        <label>
          Status
          <select value={status} onChange={(e) => filter({ status: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="">any</option>
            {CLAIM_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Payer id
          <input value={payerInput} size={14} onInput={(e) => setPayerInput((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit">Filter</button>
        {(status || payer || batch) && <a href={href('/claims')}>Clear filters</a>}
      </form>
      {batch && (
        <p class="hint" role="note">
          The claims of batch <a href={href('/batches')}>#{batch}</a>.
        </p>
      )}
      {billing && <BuildPanel onBuilt={() => setReload((r) => r + 1)} />}
      {!billing && (
        <p class="hint" role="note">
          You see the list; opening a claim and its actions need role billing.
        </p>
      )}
      <Show loaded={loaded} what="claims">
        {({ claims, next, totals }) =>
          claims.length === 0 ? (
            <Empty>
              {status || payer ? 'No claim matches these filters.' : 'No claim yet. Claims are built from charges (Build claims).'}
            </Empty>
          ) : (
            <>
              <StatusTotals totals={totals} status={status} payer={payer} batch={batch} />
              <table>
                <thead>
                  <tr>
                    <th>Claim</th>
                    <th>CLM01</th>
                    <th>Status</th>
                    <th>Patient</th>
                    <th>Date of service</th>
                    <th>Payer</th>
                    <th>Lines</th>
                    <th>Total</th>
                    <th>Findings</th>
                    <th>Type</th>
                  </tr>
                </thead>
                <tbody>
                  {claims.map((c) => (
                    <tr key={c.id}>
                      <td>{billing ? <a href={href(`/claims/${c.id}`)}>#{c.id}</a> : `#${c.id}`}</td>
                      <td class="mono">{c.controlNumber}</td>
                      <td>
                        <StatusBadge status={c.status} />
                      </td>
                      <td class="mono">{c.patientRef ?? <span class="muted">(operator)</span>}</td>
                      <td>{c.serviceDate}</td>
                      <td>
                        {c.payerName && c.payerName !== c.payerId ? c.payerName : ''} <span class="muted">{c.payerId}</span>
                      </td>
                      <td>{c.lines}</td>
                      <td class="num">{formatMoney(c.totalCharge)}</td>
                      <td>{c.findings > 0 ? c.findings : '—'}</td>
                      <td>{FREQUENCY[c.frequency] ?? c.frequency}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div class="pager">
                {before && <a href={href('/claims', { status, payer })}>Newest</a>}
                {next && <a href={href('/claims', { status, payer, before: next })}>Older claims</a>}
              </div>
            </>
          )
        }
      </Show>
    </section>
  );
}

export const FREQUENCY: Record<string, string> = { '1': 'original', '7': 'replacement', '8': 'void' };

function BuildPanel({ onBuilt }: { onBuilt(): void }) {
  const [state, setState] = useState<{ busy: boolean; result?: BuildSummary; error?: Error }>({ busy: false });
  const [showUnclaimed, setShowUnclaimed] = useState(false);

  async function build() {
    setState({ busy: true });
    try {
      const result = await buildClaims();
      setState({ busy: false, result });
      onBuilt();
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  const r = state.result;
  return (
    <div class="panel">
      <div class="toolbar">
        <button type="button" class="primary" onClick={build} disabled={state.busy}>
          {state.busy ? 'Building…' : 'Build claims'}
        </button>
        <button type="button" aria-expanded={showUnclaimed} onClick={() => setShowUnclaimed((s) => !s)}>
          {showUnclaimed ? 'Hide unclaimed charges' : 'Show unclaimed charges'}
        </button>
        <span class="muted">Builds claims from every active charge no claim bills yet, and scrubs them.</span>
      </div>
      {state.error && <ErrorBox error={state.error} />}
      {r && (
        <div role="status">
          <p>
            <strong>{r.created.length}</strong> {r.created.length === 1 ? 'claim' : 'claims'} built (
            {r.created.filter((c) => c.status === 'held').length} held, {r.created.filter((c) => c.status === 'ready').length} ready);{' '}
            {r.held.length} {r.held.length === 1 ? 'charge' : 'charges'} held back, {r.excluded.length} excluded
            {r.released.length > 0 ? `; ${r.released.length} unsent claims voided by reversals` : ''}
            {r.rescrubbed.length > 0 ? `; ${r.rescrubbed.length} corrections scrubbed again` : ''}.
          </p>
          {r.held.length + r.excluded.length > 0 && <UnclaimedTable held={r.held} excluded={r.excluded} />}
        </div>
      )}
      {showUnclaimed && <Unclaimed />}
    </div>
  );
}

function Unclaimed() {
  const loaded = useLoad(() => unclaimedCharges(), []);
  return (
    <Show loaded={loaded} what="unclaimed charges">
      {(u) => (
        <>
          <p>
            {u.claimable} {u.claimable === 1 ? 'charge' : 'charges'} would be claimed by a build now.
          </p>
          {u.held.length + u.excluded.length === 0 ? (
            <Empty>No charge is held back or excluded.</Empty>
          ) : (
            <UnclaimedTable held={u.held} excluded={u.excluded} />
          )}
        </>
      )}
    </Show>
  );
}

function UnclaimedTable({ held, excluded }: { held: UnclaimedCharge[]; excluded: UnclaimedCharge[] }) {
  const rows = [...held.map((c) => ({ ...c, kind: 'held' })), ...excluded.map((c) => ({ ...c, kind: 'excluded' }))];
  return (
    <table class="compact">
      <thead>
        <tr>
          <th>Charge</th>
          <th>Patient</th>
          <th>Date of service</th>
          <th>Code</th>
          <th class="num">Amount</th>
          <th></th>
          <th>Reason</th>
          <th>Payer</th>
          <th>What to do</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={`${c.kind}${c.chargeId}`}>
            <td>
              {c.messageId ? (
                <a href={`#/messages/${c.messageId}?charge=${c.chargeId}`} title={`from message #${c.messageId}`}>
                  #{c.chargeId}
                </a>
              ) : (
                `#${c.chargeId}`
              )}
            </td>
            <td>{c.patientRef ?? '—'}</td>
            <td class="nowrap">{c.serviceDate ?? '—'}</td>
            <td class="mono">{c.code ?? '—'}</td>
            <td class="num">{c.chargeAmount === undefined ? '—' : c.chargeAmount === null ? 'no price' : formatMoney(c.chargeAmount)}</td>
            <td>
              <StatusBadge status={c.kind} />
            </td>
            <td class="mono">{c.reason}</td>
            <td>{c.payerId ?? '—'}</td>
            <td>
              {c.message}
              {c.reason === 'charge-held' && c.messageId && (
                <>
                  {' '}
                  (fix the mapping, then replay <a href={`#/messages/${c.messageId}`}>message #{c.messageId}</a>)
                </>
              )}
              {c.claimId && (
                <>
                  {' '}
                  (<a href={`#/claims/${c.claimId}`}>claim #{c.claimId}</a>)
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Count and amount per status for the current filter; each status a link that filters by it. */
function StatusTotals({ totals, status, payer, batch }: { totals: ClaimStatusTotal[]; status: string; payer: string; batch: string }) {
  if (totals.length === 0) return null;
  const all = totals.reduce((n, t) => n + t.claims, 0);
  return (
    <div class="totals">
      <table class="compact" aria-label="Totals for this filter">
        <thead>
          <tr>
            <th>Status</th>
            <th>Claims</th>
            <th>Amount</th>
          </tr>
        </thead>
        <tbody>
          {totals.map((t) => (
            <tr key={t.status} aria-current={t.status === status ? 'true' : undefined}>
              <td>
                <a href={href('/claims', { status: t.status, payer, ...(batch ? { batch } : {}) })}>
                  <StatusBadge status={t.status} />
                </a>
              </td>
              <td class="num">{t.claims}</td>
              <td class="num">{formatMoney(t.amount)}</td>
            </tr>
          ))}
        </tbody>
        {totals.length > 1 && (
          <tfoot>
            <tr>
              <td>All</td>
              <td class="num">{all}</td>
              <td class="num">{formatMoney(totals.reduce((s, t) => s + moneyValue(t.amount), 0).toFixed(2))}</td>
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}
