/**
 * The recorded remittances on `#/remittances?payer=&since=&until=&trace=&before=` (GET /api/remittances): newest
 * first, filtered by payer, payment date range and trace number (ids and dates only in the URL), paged with the API's
 * cursor; per file its payment, the claims' paid, adjustments and patient responsibility, claims matched and lines
 * still unmatched. Each row opens the remittance, `#/remittances/<id>` (remittance-detail.tsx). A withdrawn one is
 * marked and counts nowhere.
 */
import { Empty, formatDateTime, Show, useFormFrom, useLoad } from '../components';
import { formatMoney } from '../format';
import { listRemittances } from '../ops-api';
import { href, navigate } from '../router';

const PAGE_SIZE = 50;

export interface RemittanceListFilter {
  payer: string;
  since: string;
  until: string;
  trace: string;
  before: string;
}

export function RemittanceList({ filter, reload }: { filter: RemittanceListFilter; reload: number }) {
  const { payer, since, until, trace, before } = filter;
  const loaded = useLoad(
    () => listRemittances({ payer, since, until, trace, before, limit: PAGE_SIZE }),
    [payer, since, until, trace, before, reload],
  );
  const [form, setForm] = useFormFrom(filter, [payer, since, until, trace, before].join('|'));
  const field = (name: keyof RemittanceListFilter) => ({
    value: form[name],
    onInput: (e: Event) => setForm((f) => ({ ...f, [name]: (e.currentTarget as HTMLInputElement).value })),
  });
  const filtered = payer || since || until || trace;

  return (
    <>
      <h2 id="remit-list-title">Recorded remittances</h2>
      <form
        class="toolbar"
        aria-label="Remittance filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('/remittances', { payer: form.payer.trim(), since: form.since, until: form.until, trace: form.trace.trim() });
        }}
      >
        <label>
          Payer id <input size={12} {...field('payer')} />
        </label>
        <label>
          Paid from <input type="date" {...field('since')} />
        </label>
        <label>
          to <input type="date" {...field('until')} />
        </label>
        <label>
          Trace <input size={14} {...field('trace')} />
        </label>
        <button type="submit">Filter</button>
        {filtered && <a href={href('/remittances')}>Clear filters</a>}
      </form>
      <Show loaded={loaded} what="remittances">
        {({ remittances, next }) =>
          remittances.length === 0 ? (
            <Empty>{filtered ? 'No remittance matches these filters.' : 'No 835 recorded yet.'}</Empty>
          ) : (
            <>
              <table aria-labelledby="remit-list-title">
                <thead>
                  <tr>
                    <th>Remittance</th>
                    <th>Payer</th>
                    <th>Trace</th>
                    <th>Paid on</th>
                    <th>Payment</th>
                    <th>Claims paid</th>
                    <th>Adjustments</th>
                    <th>Patient owes</th>
                    <th>Claims matched</th>
                    <th>Unmatched</th>
                    <th>Received</th>
                  </tr>
                </thead>
                <tbody>
                  {remittances.map((r) => (
                    <tr key={r.id} class={r.withdrawn ? 'muted' : undefined}>
                      <td>
                        <a href={href(`/remittances/${r.id}`)}>#{r.id}</a>
                        {r.withdrawn && <span class="badge warn"> withdrawn</span>}
                      </td>
                      <td>
                        {r.payerName}
                        <span class="muted mono"> {r.payerRef ?? r.payerId}</span>
                      </td>
                      <td class="mono">{r.traceNumber}</td>
                      <td>{r.paymentDate ?? '—'}</td>
                      <td class="num">{formatMoney(r.paymentAmount)}</td>
                      <td class="num">{formatMoney(r.paid)}</td>
                      <td class="num">{formatMoney(r.adjustments)}</td>
                      <td class="num">{formatMoney(r.patientResponsibility)}</td>
                      <td class="num">{r.claimsMatched}</td>
                      <td class="num">{r.linesUnmatched}</td>
                      <td>{formatDateTime(r.receivedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div class="pager">
                {before && <a href={href('/remittances', { payer, since, until, trace })}>Newest</a>}
                {next && <a href={href('/remittances', { payer, since, until, trace, before: next })}>Older remittances</a>}
              </div>
            </>
          )
        }
      </Show>
    </>
  );
}
