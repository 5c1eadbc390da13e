/**
 * Page `#/remittances` (billing): upload an 835 file (POST /api/remittances {x12}) and see what it did to each
 * claim — or why it was refused (422 REMITTANCE_UNBALANCED names every failing balancing equation; a trace
 * number already recorded is 409). Also takes the clearinghouse's acknowledgments, a 999/997 or a 277CA
 * (POST /api/acknowledgments). The file is read in the browser and sent as JSON; the results of this visit are
 * listed here (their payments show on each claim). Below: the remittance claims whose CLP01 named no claim of
 * ours (GET /api/remittances/unmatched), each with a "Match to claim" action (POST
 * /api/remittances/unmatched/:id/match {claimId}, audited; posted as if it had matched). Then every recorded
 * remittance (remittance-list.tsx); `#/remittances/<id>` opens one (remittance-detail.tsx).
 */
import { useState } from 'preact/hooks';
import { Empty, ErrorBox, Show, StatusBadge, useLoad } from '../components';
import { formatMoney } from '../format';
import {
  matchPayment,
  recordAcknowledgment,
  recordRemittances,
  unmatchedPayments,
  type AcknowledgmentSummary,
  type RemittanceSummary,
  type UnmatchedPayment,
} from '../ops-api';
import { claimIdFrom, matchResultText } from '../remittance-match';
import { href } from '../router';
import { X12Upload } from '../x12-upload';
import type { PageProps } from './index';
import { RemittanceDetail } from './remittance-detail';
import { RemittanceList } from './remittance-list';

type Result =
  | { kind: 'remittance'; file: string; remittances: RemittanceSummary[] }
  | { kind: 'acknowledgment'; file: string; ack: AcknowledgmentSummary };

export function RemittancesPage({ route }: PageProps) {
  const id = route.parts[1];
  if (id) return <RemittanceDetail key={id} id={id} />;
  const p = (name: string) => route.params.get(name) ?? '';
  return <RemittancesDesk filter={{ payer: p('payer'), since: p('since'), until: p('until'), trace: p('trace'), before: p('before') }} />;
}

function RemittancesDesk({ filter }: { filter: Parameters<typeof RemittanceList>[0]['filter'] }) {
  const [results, setResults] = useState<Result[]>([]);
  const [recorded, setRecorded] = useState(0);
  const unmatched = useLoad(() => unmatchedPayments(100), []);
  const add = (r: Result) => {
    setResults((rs) => [r, ...rs]);
    if (r.kind === 'remittance') {
      unmatched.reload();
      setRecorded((n) => n + 1);
    }
  };
  return (
    <section aria-labelledby="remit-title">
      <h1 id="remit-title">Remittances</h1>
      <div class="two-col">
        <X12Upload
          title="Record an 835 (payment and remittance advice)"
          label="835 file"
          button="Record 835"
          send={async (file, x12) => add({ kind: 'remittance', file, ...(await recordRemittances(x12)) })}
        />
        <X12Upload
          title="Record an acknowledgment (999, 997 or 277CA)"
          label="Acknowledgment file"
          button="Record acknowledgment"
          send={async (file, x12) => add({ kind: 'acknowledgment', file, ack: await recordAcknowledgment(x12) })}
        />
      </div>
      <h2>Recorded in this visit</h2>
      {results.length === 0 ? (
        <p class="state empty">Nothing recorded yet. Each file's outcome appears here; payments also show on each claim.</p>
      ) : (
        results.map((r, i) => <ResultView key={results.length - i} result={r} />)
      )}
      <h2 id="unmatched-title">Unmatched remittance claims</h2>
      <p class="muted">
        CLPs whose claim number (CLP01) names no claim of ours: their money is recorded and shown apart in the reports until someone matches
        them to the claim they pay.
      </p>
      <Show loaded={unmatched} what="unmatched remittance claims">
        {({ payments }) =>
          payments.length === 0 ? (
            <Empty>Every remittance claim matched a claim.</Empty>
          ) : (
            <table class="compact" aria-labelledby="unmatched-title">
              <thead>
                <tr>
                  <th>Payer</th>
                  <th>Trace</th>
                  <th>Paid on</th>
                  <th>CLP01</th>
                  <th>CLP02</th>
                  <th>Charge</th>
                  <th>Paid</th>
                  <th>Patient owes</th>
                  <th>Payer claim no.</th>
                  <th>Match to claim</th>
                </tr>
              </thead>
              <tbody>
                {payments.map((p) => (
                  <tr key={p.id}>
                    <td>{p.payerName}</td>
                    <td class="mono">{p.traceNumber}</td>
                    <td>{p.paymentDate ?? '—'}</td>
                    <td class="mono">{p.controlNumber}</td>
                    <td>{p.statusCode}</td>
                    <td class="num">{formatMoney(p.charge)}</td>
                    <td class="num">{formatMoney(p.paid)}</td>
                    <td class="num">{formatMoney(p.patientResponsibility)}</td>
                    <td class="mono">{p.payerClaimNumber ?? '—'}</td>
                    <td>
                      <MatchForm payment={p} onMatched={unmatched.reload} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
      <RemittanceList filter={filter} reload={recorded} />
    </section>
  );
}

function MatchForm({ payment, onMatched }: { payment: UnmatchedPayment; onMatched(): void }) {
  const [claim, setClaim] = useState('');
  const [state, setState] = useState<{ busy: boolean; error?: Error; done?: string }>({ busy: false });
  const claimId = claimIdFrom(claim);

  async function submit(e: Event) {
    e.preventDefault();
    if (!claimId) return;
    setState({ busy: true });
    try {
      const result = await matchPayment(payment.id, claimId);
      setState({ busy: false, done: matchResultText(result, formatMoney) });
      onMatched();
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  if (state.done) return <p role="status">{state.done}</p>;
  return (
    <form class="toolbar" aria-label={`Match ${payment.controlNumber} to a claim`} onSubmit={submit}>
      <label>
        Claim <input size={8} placeholder="id" value={claim} onInput={(e) => setClaim((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={!claimId || state.busy}>
        {state.busy ? 'Matching…' : 'Match to claim'}
      </button>
      {state.error && <ErrorBox error={state.error} />}
    </form>
  );
}

function ResultView({ result }: { result: Result }) {
  if (result.kind === 'acknowledgment') {
    const a = result.ack;
    return (
      <div class="panel" role="status">
        <h3>{result.file}</h3>
        {a.batches.map((b) => (
          <p key={b.batchId}>
            Batch <a href={href('/batches', { id: b.batchId })}>#{b.batchId}</a>: {b.accepted ? 'accepted' : 'rejected'} ({b.claims} claims)
          </p>
        ))}
        {a.claims.length > 0 && <ClaimOutcomes claims={a.claims} />}
        {a.unmatched.length > 0 && <p class="state warn">Names nothing of ours: {a.unmatched.join(', ')}</p>}
        {a.batches.length + a.claims.length + a.unmatched.length === 0 && <p class="muted">It changed nothing.</p>}
      </div>
    );
  }
  return (
    <>
      {result.remittances.map((r) => (
        <div key={r.id} class="panel" role="status">
          <h3>
            {result.file}: <a href={href(`/remittances/${r.id}`)}>remittance #{r.id}</a>, {r.payerName}, trace {r.traceNumber}, payment{' '}
            {formatMoney(r.paymentAmount)}
          </h3>
          <ClaimOutcomes claims={r.claims} />
          {r.unmatched.length > 0 && (
            <p class="state warn">Claims not ours (recorded without a claim, listed below to match): {r.unmatched.join(', ')}</p>
          )}
          {(r.providerAdjustments ?? []).length > 0 && (
            <p>
              Provider-level adjustments (PLB):{' '}
              {r.providerAdjustments!.map((a, i) => (
                <span key={i}>
                  {i > 0 ? '; ' : ''}
                  {a.reason} {formatMoney(a.amount)}
                  {a.claimId ? (
                    <>
                      {' '}
                      on <a href={href(`/claims/${a.claimId}`)}>#{a.claimId}</a>
                    </>
                  ) : null}
                </span>
              ))}
            </p>
          )}
        </div>
      ))}
    </>
  );
}

function ClaimOutcomes({
  claims,
}: {
  claims: Array<{ claimId: string; controlNumber: string; outcome: string; status: string; paid?: string; role?: string }>;
}) {
  if (claims.length === 0) return <p class="muted">No claim of ours in it.</p>;
  return (
    <table class="compact">
      <thead>
        <tr>
          <th>Claim</th>
          <th>CLM01</th>
          <th>Outcome</th>
          <th>Paid</th>
          <th>Status now</th>
        </tr>
      </thead>
      <tbody>
        {claims.map((c) => (
          <tr key={`${c.claimId}-${c.outcome}`}>
            <td>
              <a href={href(`/claims/${c.claimId}`)}>#{c.claimId}</a>
            </td>
            <td class="mono">{c.controlNumber}</td>
            <td>
              {c.outcome}
              {c.role && c.role !== 'claim-payer' ? ` (${c.role}: the claim's status stays)` : ''}
            </td>
            <td class="num">{c.paid === undefined ? '—' : formatMoney(c.paid)}</td>
            <td>
              <StatusBadge status={c.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
