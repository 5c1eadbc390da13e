/**
 * One remittance, `#/remittances/<id>` (billing; GET /api/remittances/:id): the 835 as recorded — payer, trace,
 * payment, who posted it — its totals, each claim it paid (a link to the claim page), the lines that named no claim
 * of ours, the PLB adjustments. "Withdraw" (POST /api/remittances/:id/withdraw {reason}, confirmed, audited) undoes a
 * remittance posted by mistake; a refusal (409) names the claim something was built on.
 */
import { useState } from 'preact/hooks';
import { ConfirmButton, Empty, ErrorBox, formatDateTime, Show, useLoad } from '../components';
import { formatMoney } from '../format';
import { getRemittance, withdrawRemittance, type RemittanceDetail as Remittance, type RemittanceWithdrawn } from '../ops-api';
import { href } from '../router';

export function RemittanceDetail({ id }: { id: string }) {
  const loaded = useLoad(() => getRemittance(id), [id]);
  return (
    <section aria-labelledby="remittance-title">
      <p>
        <a href={href('/remittances')}>← Remittances</a>
      </p>
      <Show loaded={loaded} what={`remittance #${id}`}>
        {(r) => <RemittanceView remittance={r} onChanged={loaded.reload} />}
      </Show>
    </section>
  );
}

function RemittanceView({ remittance: r, onChanged }: { remittance: Remittance; onChanged(): void }) {
  const matched = r.claims.filter((c) => c.claimId !== null);
  const unmatched = r.claims.filter((c) => c.claimId === null);
  return (
    <>
      <h1 id="remittance-title">
        Remittance #{r.id}: {r.payerName}, trace <span class="mono">{r.traceNumber}</span>
      </h1>
      {r.withdrawn && (
        <p class="state warn" role="note">
          Withdrawn {formatDateTime(r.withdrawn.at)} by {r.withdrawn.by ?? '—'}: {r.withdrawn.reason ?? ''}. Its payments are kept here and
          counted nowhere.
        </p>
      )}
      <dl class="facts">
        <dt>Payer</dt>
        <dd>
          {r.payerName} <span class="mono muted">{r.payerRef ?? r.payerId}</span>
        </dd>
        <dt>Payment</dt>
        <dd>
          {formatMoney(r.paymentAmount)} ({r.paymentMethod}) on {r.paymentDate ?? '—'}
        </dd>
        <dt>Claims paid</dt>
        <dd>{formatMoney(r.totals.paid)}</dd>
        <dt>Adjustments</dt>
        <dd>{formatMoney(r.totals.adjustments)}</dd>
        <dt>Patient owes</dt>
        <dd>{formatMoney(r.totals.patientResponsibility)}</dd>
        <dt>PLB</dt>
        <dd>{formatMoney(r.totals.providerAdjustments)}</dd>
        <dt>Claims matched</dt>
        <dd>{r.totals.claimsMatched}</dd>
        <dt>Lines unmatched</dt>
        <dd>{r.totals.linesUnmatched}</dd>
        <dt>Recorded</dt>
        <dd>
          {formatDateTime(r.receivedAt)} by {r.actor ?? '—'}
        </dd>
      </dl>
      {!r.withdrawn && <Withdraw remittance={r} onDone={onChanged} />}
      <h2 id="remittance-claims">Claims</h2>
      {matched.length === 0 ? (
        <Empty>No claim of ours in it.</Empty>
      ) : (
        <table class="compact" aria-labelledby="remittance-claims">
          <thead>
            <tr>
              <th>Claim</th>
              <th>CLM01</th>
              <th>CLP02</th>
              <th>Outcome</th>
              <th>Role</th>
              <th>Charge</th>
              <th>Paid</th>
              <th>Patient owes</th>
              <th>Payer claim no.</th>
            </tr>
          </thead>
          <tbody>
            {matched.map((c) => (
              <tr key={c.paymentId}>
                <td>
                  <a href={href(`/claims/${c.claimId}`)}>#{c.claimId}</a>
                </td>
                <td class="mono">{c.controlNumber}</td>
                <td>{c.statusCode}</td>
                <td>{c.outcome}</td>
                <td>{c.role ?? '—'}</td>
                <td class="num">{formatMoney(c.charge)}</td>
                <td class="num">{formatMoney(c.paid)}</td>
                <td class="num">{formatMoney(c.patientResponsibility)}</td>
                <td class="mono">{c.payerClaimNumber ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="remittance-unmatched">Unmatched lines</h2>
      {unmatched.length === 0 ? (
        <Empty>Every CLP matched a claim.</Empty>
      ) : (
        <table class="compact" aria-labelledby="remittance-unmatched">
          <thead>
            <tr>
              <th>CLP01</th>
              <th>CLP02</th>
              <th>Charge</th>
              <th>Paid</th>
              <th>Patient owes</th>
              <th>Matched since</th>
            </tr>
          </thead>
          <tbody>
            {unmatched.map((c) => (
              <tr key={c.paymentId}>
                <td class="mono">{c.controlNumber}</td>
                <td>{c.statusCode}</td>
                <td class="num">{formatMoney(c.charge)}</td>
                <td class="num">{formatMoney(c.paid)}</td>
                <td class="num">{formatMoney(c.patientResponsibility)}</td>
                <td>{c.matched ? `by ${c.matched.by ?? '—'} ${formatDateTime(c.matched.at)}` : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.providerAdjustments.length > 0 && (
        <>
          <h2>Provider-level adjustments (PLB)</h2>
          <ul>
            {r.providerAdjustments.map((a, i) => (
              <li key={i}>
                {a.reason} {formatMoney(a.amount)}
                {a.reference ? ` (${a.reference})` : ''}
                {a.claimId && (
                  <>
                    {' '}
                    on <a href={href(`/claims/${a.claimId}`)}>#{a.claimId}</a>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function Withdraw({ remittance: r, onDone }: { remittance: Remittance; onDone(): void }) {
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ busy: boolean; error?: Error; done?: RemittanceWithdrawn }>({ busy: false });
  const needsReason = reason.trim().length < 3;

  async function withdraw() {
    setState({ busy: true });
    try {
      const done = await withdrawRemittance(r.id, reason.trim());
      setState({ busy: false, done });
      onDone();
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  return (
    <div class="panel" aria-label="Withdraw this remittance">
      <h2>Withdraw (posted by mistake)</h2>
      <p class="muted">
        Puts every claim it paid back as it was before, voids the next-payer claims it built that were not sent, and takes its unmatched
        lines off the queue. Refused once something was built on it: a later 835 for one of its claims, a next-payer claim put in a batch, a
        claim closed or changed since.
      </p>
      <label class="block">
        Reason <input size={48} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <ConfirmButton
        label="Withdraw remittance"
        confirmLabel="Confirm withdraw"
        disabled={state.busy || needsReason}
        question={`Withdraw remittance #${r.id} (trace ${r.traceNumber})? Reason: ${reason.trim()}`}
        onConfirm={withdraw}
      />
      {state.error && <ErrorBox error={state.error} />}
      {state.done && (
        <p role="status">
          Withdrawn: {state.done.claims.length} claim{state.done.claims.length === 1 ? '' : 's'} restored
          {state.done.voidedClaims.length > 0
            ? `, next-payer claims voided: ${state.done.voidedClaims.map((c) => `#${c}`).join(', ')}`
            : ''}
          .
        </p>
      )}
    </div>
  );
}
