/**
 * Page `#/reports?by=service|payer|month` (billing): revenue (GET /api/reports/revenue) as charged-vs-paid bars
 * and a table, with unmatched remittance money and PLB adjustments shown apart; payer performance (GET
 * /api/reports/payers) as denial-rate and days-to-payment bars and a table (crossovers, unmatched, PLB per payer);
 * and the missed-charges report (GET /api/reports/missed-charges): billable messages that ended without a
 * charge, with the reason, for a date range. Ids, types, control ids and reasons only: no patient data.
 */
import { useState } from 'preact/hooks';
import { BarChart } from '../bar-chart';
import { Empty, formatDateTime, Show, StatusBadge, useLoad } from '../components';
import { formatDays, formatMoney, formatRate, moneyValue } from '../format';
import { missedCharges, payerReport, revenueReport } from '../ops-api';
import { href } from '../router';
import type { PageProps } from './index';

const DIMENSIONS = { service: 'service', payer: 'payer', month: 'month of service' } as const;
type Dimension = keyof typeof DIMENSIONS;

const money = (v: number) => formatMoney(v.toFixed(2));

export function ReportsPage({ route }: PageProps) {
  const byParam = route.params.get('by');
  const by: Dimension = byParam === 'payer' || byParam === 'month' ? byParam : 'service';
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <Revenue by={by} />
      <Payers />
      <MissedCharges />
    </section>
  );
}

function Revenue({ by }: { by: Dimension }) {
  const loaded = useLoad(() => revenueReport(by), [by]);
  return (
    <section class="panel" aria-labelledby="revenue-title">
      <h2 id="revenue-title">Revenue by {DIMENSIONS[by]}</h2>
      <div class="tabs" role="tablist" aria-label="Revenue by">
        {(Object.keys(DIMENSIONS) as Dimension[]).map((d) => (
          <a key={d} role="tab" aria-selected={d === by} href={href('/reports', { by: d })}>
            {DIMENSIONS[d]}
          </a>
        ))}
      </div>
      <Show loaded={loaded} what="revenue">
        {({ rows, unmatched, providerAdjustments }) =>
          rows.length === 0 ? (
            <Empty>No claim has been sent yet: revenue counts claims from their batch on.</Empty>
          ) : (
            <div class="report">
              <BarChart
                title={`Charged and paid by ${DIMENSIONS[by]}`}
                labels={rows.map((r) => r.key)}
                format={money}
                series={[
                  { name: 'Charged', values: rows.map((r) => moneyValue(r.charged)), className: 'series-charged' },
                  { name: 'Paid', values: rows.map((r) => moneyValue(r.paid)), className: 'series-paid' },
                ]}
              />
              <table class="compact">
                <thead>
                  <tr>
                    <th>{DIMENSIONS[by]}</th>
                    <th>Claims</th>
                    <th>Lines</th>
                    <th>Charged</th>
                    <th>Paid</th>
                    <th>Patient owes</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.key}>
                      <td>{r.key}</td>
                      <td>{r.claims}</td>
                      <td>{r.lines}</td>
                      <td class="num">{formatMoney(r.charged)}</td>
                      <td class="num">{formatMoney(r.paid)}</td>
                      <td class="num">{formatMoney(r.patientResponsibility)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {unmatched && unmatched.payments > 0 && (
                <p class="state warn">
                  Not in the rows: {formatMoney(unmatched.paid)} paid on {unmatched.payments} remittance claim
                  {unmatched.payments === 1 ? '' : 's'} that match no claim (<a href={href('/remittances')}>match them</a>).
                </p>
              )}
              {providerAdjustments && providerAdjustments.length > 0 && (
                <p>
                  Provider-level adjustments (PLB, not in the rows):{' '}
                  {providerAdjustments.map((a) => `${a.reason} ${formatMoney(a.amount)} (${a.count})`).join('; ')}.
                </p>
              )}
            </div>
          )
        }
      </Show>
    </section>
  );
}

function Payers() {
  const loaded = useLoad(() => payerReport(), []);
  return (
    <section class="panel" aria-labelledby="payers-title">
      <h2 id="payers-title">Payer performance</h2>
      <Show loaded={loaded} what="payer report">
        {({ payers }) =>
          payers.length === 0 ? (
            <Empty>No claim has been sent to a payer yet.</Empty>
          ) : (
            <div class="report">
              <div class="two-col">
                <BarChart
                  title="Denial rate by payer"
                  width={420}
                  labels={payers.map((p) => p.payerName || p.payerId)}
                  format={(v) => formatRate(v)}
                  series={[{ name: 'Denial rate', values: payers.map((p) => p.denialRate ?? 0), className: 'series-denied' }]}
                />
                <BarChart
                  title="Average days from submission to payment"
                  width={420}
                  labels={payers.map((p) => p.payerName || p.payerId)}
                  format={(v) => formatDays(v)}
                  series={[{ name: 'Days to payment', values: payers.map((p) => p.averageDaysToPayment ?? 0), className: 'series-days' }]}
                />
              </div>
              <table class="compact">
                <thead>
                  <tr>
                    <th>Payer</th>
                    <th>Claims sent</th>
                    <th>Charged</th>
                    <th>Paid</th>
                    <th>Adjudicated</th>
                    <th>Denied</th>
                    <th>Denial rate</th>
                    <th>Days to payment</th>
                    <th>Crossovers</th>
                    <th>Unmatched paid</th>
                    <th>PLB</th>
                  </tr>
                </thead>
                <tbody>
                  {payers.map((p) => (
                    <tr key={p.payerId}>
                      <td>
                        {p.payerName} <span class="muted">({p.payerId})</span>
                      </td>
                      <td>{p.claims}</td>
                      <td class="num">{formatMoney(p.charged)}</td>
                      <td class="num">{formatMoney(p.paid)}</td>
                      <td>{p.adjudicated}</td>
                      <td>{p.denied}</td>
                      <td>{formatRate(p.denialRate)}</td>
                      <td>{formatDays(p.averageDaysToPayment)}</td>
                      <td>{p.crossovers ?? 0}</td>
                      <td class="num">{formatMoney(p.unmatchedPaid ?? '0.00')}</td>
                      <td class="num">{formatMoney(p.providerAdjustments ?? '0.00')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p class="muted">A rate or a day count shows “—” (and a zero bar) until the payer has adjudicated or paid a claim.</p>
            </div>
          )
        }
      </Show>
    </section>
  );
}

function MissedCharges() {
  const [range, setRange] = useState<{ since: string; until: string }>({ since: '', until: '' });
  const [form, setForm] = useState(range);
  const loaded = useLoad(() => missedCharges(range), [range]);
  return (
    <section class="panel" aria-labelledby="missed-title">
      <h2 id="missed-title">Missed charges</h2>
      <p class="muted">
        Billable messages (DFT, RDS, VXU, ORU) that ended without a charge: dead letters, filtered types, and messages mapped to no charge
        on purpose (VFC stock, refused doses, non-final results) for a clerk to confirm.
      </p>
      <form
        class="toolbar"
        aria-label="Missed charges range"
        onSubmit={(e) => {
          e.preventDefault();
          setRange(form);
        }}
      >
        <label>
          Received from{' '}
          <input type="date" value={form.since} onInput={(e) => setForm({ ...form, since: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <label>
          until (not including){' '}
          <input type="date" value={form.until} onInput={(e) => setForm({ ...form, until: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <button type="submit">Show</button>
      </form>
      <Show loaded={loaded} what="missed charges">
        {({ messages }) =>
          messages.length === 0 ? (
            <Empty>No billable message ended without a charge in this range.</Empty>
          ) : (
            <table class="compact">
              <thead>
                <tr>
                  <th>Message</th>
                  <th>Received</th>
                  <th>Channel</th>
                  <th>Type</th>
                  <th>Control id</th>
                  <th>Status</th>
                  <th>Reason</th>
                  <th>Detail</th>
                </tr>
              </thead>
              <tbody>
                {messages.map((m) => (
                  <tr key={m.messageId}>
                    <td>
                      <a href={href(`/messages/${m.messageId}`)}>#{m.messageId}</a>
                    </td>
                    <td>{formatDateTime(m.receivedAt)}</td>
                    <td>{m.channel}</td>
                    <td>{m.messageType}</td>
                    <td class="mono">{m.controlId}</td>
                    <td>
                      <StatusBadge status={m.status} />
                    </td>
                    <td>{m.reason}</td>
                    <td>{[m.errorCode, m.detail].filter(Boolean).join(' — ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}
