/**
 * Page `#/reports?by=service|payer|month&since=&until=&asOf=` (billing), every report for the date range at the top
 * (YYYY-MM-DD, both included; in the URL) and each with an "Export CSV" download (format=csv, audited):
 * - revenue (GET /api/reports/revenue, by date of service) as charged-vs-paid bars and a table, with unmatched
 *   remittance money and PLB adjustments shown apart;
 * - payer performance (GET /api/reports/payers) as denial-rate and days-to-payment bars and a table;
 * - A/R aging (GET /api/reports/aging, as of a day; the range is the day claims were first sent): open balances by
 *   payer in 0–30, 31–60, 61–90, 91–120 and over 120 days;
 * - denials by CARC, and under them by remark code (RARC) (GET /api/reports/denials, by payment date): count, amount
 *   and the code's meaning, by payer;
 * - front-end rejections (GET /api/reports/rejections, by the day the acknowledgment came): 999 sets and 277CA
 *   claims accepted and rejected per payer and month;
 * - missed charges (GET /api/reports/missed-charges): billable messages that ended without a charge, and why.
 * Payers show by name and id. Charts take their panel's width. Ids, codes, amounts and reasons only: no patient data.
 */
import { useState } from 'preact/hooks';
import { BarChart } from '../bar-chart';
import { Empty, ErrorBox, formatDateTime, Show, StatusBadge, useLoad } from '../components';
import { saveText } from '../download';
import { formatDays, formatMoney, formatRate, moneyValue } from '../format';
import {
  AGING_BUCKETS,
  agingReport,
  denialReport,
  missedCharges,
  payerReport,
  rejectionReport,
  reportCsv,
  revenueReport,
  type DenialRemarkRow,
  type ReportRange,
} from '../ops-api';
import { href, navigate } from '../router';
import type { PageProps } from './index';

const DIMENSIONS = { service: 'service', payer: 'payer', month: 'month of service' } as const;
type Dimension = keyof typeof DIMENSIONS;

const money = (v: number) => formatMoney(v.toFixed(2));

const today = () => new Date().toISOString().slice(0, 10);

export function ReportsPage({ route }: PageProps) {
  const byParam = route.params.get('by');
  const by: Dimension = byParam === 'payer' || byParam === 'month' ? byParam : 'service';
  const since = route.params.get('since') ?? '';
  const until = route.params.get('until') ?? '';
  const asOf = route.params.get('asOf') ?? '';
  const range: ReportRange = { ...(since ? { since } : {}), ...(until ? { until } : {}) };
  const key = `${since}|${until}`;
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      {/* Keyed by the URL's values: a new range starts a fresh form, and typing is never reset by a late effect. */}
      <RangeForm key={`${key}|${asOf}`} by={by} since={since} until={until} asOf={asOf} />
      <Revenue key={`r${key}`} by={by} range={range} params={{ since, until, asOf }} />
      <Payers key={`p${key}`} range={range} />
      <Aging key={`a${key}${asOf}`} asOf={asOf || today()} range={range} />
      <Denials key={`d${key}`} range={range} />
      <Rejections key={`j${key}`} range={range} />
      <MissedCharges />
    </section>
  );
}

/** The date range of every report and the aging's as-of day, kept in the URL. */
function RangeForm({ by, since, until, asOf }: { by: Dimension; since: string; until: string; asOf: string }) {
  const [form, setForm] = useState({ since, until, asOf });
  const input = (name: keyof typeof form) => ({
    value: form[name],
    onInput: (e: Event) => setForm((f) => ({ ...f, [name]: (e.currentTarget as HTMLInputElement).value })),
  });
  return (
    <form
      class="toolbar panel"
      aria-label="Report dates"
      onSubmit={(e) => {
        e.preventDefault();
        navigate('/reports', { by, ...form });
      }}
    >
      <label>
        From <input type="date" {...input('since')} />
      </label>
      <label>
        to <input type="date" {...input('until')} />
      </label>
      <label>
        Aging as of <input type="date" {...input('asOf')} />
      </label>
      <button type="submit">Apply</button>
      {(since || until || asOf) && <a href={href('/reports', { by })}>All dates</a>}
      <span class="muted">
        Revenue and payers: date of service. Aging: the day each claim was first sent. Denials: payment date. Rejections: the day the
        acknowledgment came.
      </span>
    </form>
  );
}

/** "Export CSV": the report as the API writes it (format=csv), saved through the session (no token in a URL). */
function CsvButton({
  report,
  query,
  file,
}: {
  report: Parameters<typeof reportCsv>[0];
  query: Record<string, string | undefined>;
  file: string;
}) {
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });
  return (
    <span>
      <button
        type="button"
        disabled={state.busy}
        onClick={async () => {
          setState({ busy: true });
          try {
            saveText(file, await reportCsv(report, query), 'text/csv');
            setState({ busy: false });
          } catch (err) {
            setState({ busy: false, error: err as Error });
          }
        }}
      >
        {state.busy ? 'Exporting…' : 'Export CSV'}
      </button>
      {state.error && <ErrorBox error={state.error} />}
    </span>
  );
}

const payerLabel = (p: { payerId: string; payerName: string }) => (p.payerName && p.payerName !== p.payerId ? p.payerName : p.payerId);

function Revenue({ by, range, params }: { by: Dimension; range: ReportRange; params: Record<string, string> }) {
  const loaded = useLoad(() => revenueReport(by, range), [by]);
  return (
    <section class="panel" aria-labelledby="revenue-title">
      <h2 id="revenue-title">Revenue by {DIMENSIONS[by]}</h2>
      <CsvButton report="revenue" query={{ by, ...range }} file={`rxbridge-revenue-by-${by}.csv`} />
      <div class="tabs" role="tablist" aria-label="Revenue by">
        {(Object.keys(DIMENSIONS) as Dimension[]).map((d) => (
          <a key={d} role="tab" aria-selected={d === by} href={href('/reports', { ...params, by: d })}>
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
                labels={rows.map((r) => r.label ?? r.key)}
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
                      <td>
                        {r.label ? (
                          <>
                            {r.label} <span class="muted">({r.key})</span>
                          </>
                        ) : (
                          r.key
                        )}
                      </td>
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

function Payers({ range }: { range: ReportRange }) {
  const loaded = useLoad(() => payerReport(range), []);
  return (
    <section class="panel" aria-labelledby="payers-title">
      <h2 id="payers-title">Payer performance</h2>
      <CsvButton report="payers" query={{ ...range }} file="rxbridge-payers.csv" />
      <Show loaded={loaded} what="payer report">
        {({ payers }) =>
          payers.length === 0 ? (
            <Empty>No claim has been sent to a payer yet.</Empty>
          ) : (
            <div class="report">
              <div class="two-col">
                <BarChart
                  title="Denial rate by payer"
                  labels={payers.map(payerLabel)}
                  format={(v) => formatRate(v)}
                  series={[{ name: 'Denial rate', values: payers.map((p) => p.denialRate ?? 0), className: 'series-denied' }]}
                />
                <BarChart
                  title="Average days from submission to payment"
                  labels={payers.map(payerLabel)}
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

const BUCKET_LABELS: Record<(typeof AGING_BUCKETS)[number], string> = {
  '0-30': '0–30 days',
  '31-60': '31–60',
  '61-90': '61–90',
  '91-120': '91–120',
  '120+': 'over 120',
};

function Aging({ asOf, range }: { asOf: string; range: ReportRange }) {
  const loaded = useLoad(() => agingReport(asOf, range), []);
  return (
    <section class="panel" aria-labelledby="aging-title">
      <h2 id="aging-title">A/R aging as of {asOf}</h2>
      <CsvButton report="aging" query={{ asOf, ...range }} file={`rxbridge-aging-${asOf}.csv`} />
      <p class="muted">
        Open balance of each sent claim (charge − paid − patient responsibility − contractual adjustments), by days since it was first sent.
      </p>
      <Show loaded={loaded} what="aging">
        {({ payers }) =>
          payers.length === 0 ? (
            <Empty>No open balance: every sent claim is paid, adjusted, denied or closed.</Empty>
          ) : (
            <div class="report">
              <BarChart
                title="Open balance by payer and age"
                labels={payers.map(payerLabel)}
                format={money}
                series={AGING_BUCKETS.map((b, i) => ({
                  name: BUCKET_LABELS[b],
                  values: payers.map((p) => moneyValue(p.buckets[b].balance)),
                  className: `series-${i}`,
                }))}
              />
              <table class="compact" aria-labelledby="aging-title">
                <thead>
                  <tr>
                    <th>Payer</th>
                    {AGING_BUCKETS.map((b) => (
                      <th key={b}>{BUCKET_LABELS[b]}</th>
                    ))}
                    <th>Total</th>
                  </tr>
                </thead>
                <tbody>
                  {payers.map((p) => (
                    <tr key={p.payerId}>
                      <td>
                        {payerLabel(p)} <span class="muted">({p.payerId})</span>
                      </td>
                      {AGING_BUCKETS.map((b) => (
                        <td key={b} class="num">
                          {formatMoney(p.buckets[b].balance)} <span class="muted">({p.buckets[b].claims})</span>
                        </td>
                      ))}
                      <td class="num">
                        {formatMoney(p.balance)} <span class="muted">({p.claims})</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}

function Denials({ range }: { range: ReportRange }) {
  const loaded = useLoad(() => denialReport(range), []);
  return (
    <section class="panel" aria-labelledby="denials-title">
      <h2 id="denials-title">Denials by reason (CARC)</h2>
      <CsvButton report="denials" query={{ ...range }} file="rxbridge-denials.csv" />
      <Show loaded={loaded} what="denials">
        {({ rows, remarks }) =>
          rows.length === 0 && remarks.length === 0 ? (
            <Empty>No denied claim or line in this range.</Empty>
          ) : (
            <div class="report">
              {rows.length > 0 && (
                <BarChart
                  title="Denied amount by payer and reason"
                  labels={rows.slice(0, 12).map((r) => `${payerLabel(r)} ${r.group}-${r.reason}`)}
                  format={money}
                  series={[{ name: 'Denied', values: rows.slice(0, 12).map((r) => moneyValue(r.amount)), className: 'series-denied' }]}
                />
              )}
              <table class="compact" aria-labelledby="denials-title">
                <thead>
                  <tr>
                    <th>Payer</th>
                    <th>Code</th>
                    <th>Meaning</th>
                    <th>Count</th>
                    <th>Amount</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={`${r.payerId}-${r.group}-${r.reason}`}>
                      <td>
                        {payerLabel(r)} <span class="muted">({r.payerId})</span>
                      </td>
                      <td class="mono">
                        {r.group}-{r.reason}
                      </td>
                      <td>{r.meaning ?? '—'}</td>
                      <td>{r.count}</td>
                      <td class="num">{formatMoney(r.amount)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <RemarkTable remarks={remarks} />
            </div>
          )
        }
      </Show>
    </section>
  );
}

/** Denials by remark code (RARC): the denied lines and claims carrying each code, and the amount denied there. */
function RemarkTable({ remarks }: { remarks: DenialRemarkRow[] }) {
  return (
    <>
      <h3 id="denial-remarks-title">Denials by remark (RARC)</h3>
      {remarks.length === 0 ? (
        <p class="muted">No remark code on the denied lines and claims in this range.</p>
      ) : (
        <table class="compact" aria-labelledby="denial-remarks-title">
          <thead>
            <tr>
              <th>Payer</th>
              <th>Remark</th>
              <th>Meaning</th>
              <th>Lines and claims</th>
              <th>Amount</th>
            </tr>
          </thead>
          <tbody>
            {remarks.map((r) => (
              <tr key={`${r.payerId}-${r.remark}`}>
                <td>
                  {payerLabel(r)} <span class="muted">({r.payerId})</span>
                </td>
                <td class="mono">{r.remark}</td>
                <td>{r.meaning ?? '—'}</td>
                <td>{r.count}</td>
                <td class="num">{formatMoney(r.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Rejections({ range }: { range: ReportRange }) {
  const loaded = useLoad(() => rejectionReport(range), []);
  return (
    <section class="panel" aria-labelledby="rejections-title">
      <h2 id="rejections-title">Front-end rejections (999 and 277CA)</h2>
      <CsvButton report="rejections" query={{ ...range }} file="rxbridge-rejections.csv" />
      <Show loaded={loaded} what="rejections">
        {({ rows }) =>
          rows.length === 0 ? (
            <Empty>No acknowledgment recorded in this range.</Empty>
          ) : (
            <div class="report">
              <BarChart
                title="Rejection rate by payer and month"
                labels={rows.map((r) => `${payerLabel(r)} ${r.period}`)}
                format={(v) => formatRate(v)}
                series={[
                  { name: '999 sets', values: rows.map((r) => r.rate999 ?? 0), className: 'series-denied' },
                  { name: '277CA claims', values: rows.map((r) => r.rate277 ?? 0), className: 'series-days' },
                ]}
              />
              <table class="compact" aria-labelledby="rejections-title">
                <thead>
                  <tr>
                    <th>Payer</th>
                    <th>Month</th>
                    <th>999 sets accepted / rejected</th>
                    <th>999 rate</th>
                    <th>999 claims accepted / rejected</th>
                    <th>277CA claims accepted / rejected</th>
                    <th>277CA rate</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={`${r.payerId}-${r.period}`}>
                      <td>
                        {payerLabel(r)} <span class="muted">({r.payerId})</span>
                      </td>
                      <td>{r.period}</td>
                      <td>
                        {r.sets999.accepted} / {r.sets999.rejected}
                      </td>
                      <td>{formatRate(r.rate999)}</td>
                      <td>
                        {r.claims999.accepted} / {r.claims999.rejected}
                      </td>
                      <td>
                        {r.claims277.accepted} / {r.claims277.rejected}
                      </td>
                      <td>{formatRate(r.rate277)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
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
      <CsvButton report="missed-charges" query={{ ...range }} file="rxbridge-missed-charges.csv" />
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
