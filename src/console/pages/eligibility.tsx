/**
 * Page `#/eligibility` (billing): the eligibility checks (270 inquiries) newest first with what the payer answered
 * (GET /api/eligibility): outcome, a summary, the charges the answer held and the unsent claims it noted (links to
 * `#/claims/<id>`). "Ask payers" writes the 270s for the patients of unclaimed charges (POST /api/eligibility/inquiries;
 * the files are offered for download, and a payer's clearinghouse, when configured and enabled, gets each uploaded by
 * the exchange: each file and each check shows that upload as waiting, sent, or failed with its last error). A 271 file is posted here
 * (POST /api/eligibility) and what it changed is shown. Held charges are released with their check's "Release" button
 * (POST /api/eligibility/release) once the patient's coverage is fixed. Member ids are never shown: the API does not
 * send them.
 */
import { useState } from 'preact/hooks';
import { Empty, ErrorBox, Show, StatusBadge, formatDateTime, useLoad } from '../components';
import {
  askEligibility,
  listEligibilityChecks,
  postEligibilityResponse,
  releaseEligibilityHolds,
  type ClearinghouseTransfer,
  type EligibilityCheckRow,
  type EligibilityInquiryRun,
  type EligibilityPosted,
} from '../ops-api';
import { href } from '../router';
import { X12Upload } from '../x12-upload';

export function EligibilityPage() {
  const checks = useLoad(() => listEligibilityChecks({ limit: 100 }), []);
  const [asked, setAsked] = useState<EligibilityInquiryRun | undefined>();
  const [posted, setPosted] = useState<Array<{ file: string; result: EligibilityPosted }>>([]);
  return (
    <section aria-labelledby="elig-title">
      <h1 id="elig-title">Eligibility</h1>
      <div class="two-col">
        <Ask
          onAsked={(run) => {
            setAsked(run);
            checks.reload();
          }}
        />
        <Post271
          onPosted={(file, result) => {
            setPosted((p) => [{ file, result }, ...p]);
            checks.reload();
          }}
        />
      </div>
      {asked && <InquiryFiles run={asked} />}
      {posted.map((p, i) => (
        <PostedView key={posted.length - i} file={p.file} result={p.result} />
      ))}
      <h2 id="checks-title">Checks</h2>
      <Show loaded={checks} what="eligibility checks">
        {({ checks: rows }) =>
          rows.length === 0 ? (
            <Empty>No patient has been checked yet. "Ask payers" writes the 270s for the patients of unclaimed charges.</Empty>
          ) : (
            <table class="compact" aria-labelledby="checks-title">
              <thead>
                <tr>
                  <th>Check</th>
                  <th>Patient</th>
                  <th>Payer</th>
                  <th>Dates asked</th>
                  <th>Asked</th>
                  <th>270 upload</th>
                  <th>Outcome</th>
                  <th>What came back</th>
                  <th>Charges held</th>
                  <th>Claims noted</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <CheckRow key={c.id} check={c} onReleased={checks.reload} />
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}

function CheckRow({ check: c, onReleased }: { check: EligibilityCheckRow; onReleased(): void }) {
  return (
    <tr>
      <td class="mono">#{c.id}</td>
      <td class="mono">{c.patientRef}</td>
      <td>{c.payerName ?? c.payerId}</td>
      <td>{c.serviceFrom === c.serviceTo ? c.serviceFrom : `${c.serviceFrom} – ${c.serviceTo}`}</td>
      <td>{c.askedAt.slice(0, 16).replace('T', ' ')}</td>
      <td>
        <TransferState transfer={c.inquiryTransfer} />
      </td>
      <td>{c.outcome ? <StatusBadge status={c.outcome} /> : <span class="muted">no answer yet</span>}</td>
      <td>{c.summary ?? '—'}</td>
      <td>{c.heldCharges.length === 0 ? '—' : <Release chargeIds={c.heldCharges} onReleased={onReleased} />}</td>
      <td>
        {c.notedClaims.length === 0
          ? '—'
          : c.notedClaims.map((id) => (
              <a key={id} href={href(`/claims/${id}`)} class="mono">
                #{id}{' '}
              </a>
            ))}
      </td>
    </tr>
  );
}

/** A 270's upload: waiting, sent, or failed with the last error and the next try; "not uploaded" without a clearinghouse. */
function TransferState({ transfer: t }: { transfer: ClearinghouseTransfer | null }) {
  if (!t) return <span class="muted">not uploaded (no clearinghouse)</span>;
  if (t.status === 'sent')
    return (
      <span class="state ok" title={`${t.clearinghouse}: ${t.remoteName}`}>
        sent {t.sentAt ? formatDateTime(t.sentAt) : ''}
      </span>
    );
  if (t.status === 'failed')
    return (
      <span class="state error" title={t.lastError ?? ''}>
        upload failed ({t.attempts} {t.attempts === 1 ? 'attempt' : 'attempts'}
        {t.nextAttemptAt ? `, next ${formatDateTime(t.nextAttemptAt)}` : ', no more retries'}): {t.lastError}
      </span>
    );
  return <span class="muted">waiting to upload</span>;
}

function Release({ chargeIds, onReleased }: { chargeIds: string[]; onReleased(): void }) {
  const [state, setState] = useState<{ busy: boolean; error?: Error; done?: string }>({ busy: false });
  async function release() {
    setState({ busy: true });
    try {
      const { released } = await releaseEligibilityHolds(chargeIds);
      setState({ busy: false, done: released.length === 0 ? 'none was still held' : `released ${released.join(', ')}` });
      onReleased();
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }
  return (
    <span>
      <span class="mono">{chargeIds.join(', ')}</span>{' '}
      <button type="button" disabled={state.busy} onClick={release} title="After fixing the patient's coverage: the next build claims them">
        Release
      </button>
      {state.done && <span class="muted"> {state.done}</span>}
      {state.error && <ErrorBox error={state.error} />}
    </span>
  );
}

function Ask({ onAsked }: { onAsked(run: EligibilityInquiryRun): void }) {
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });
  async function ask() {
    setState({ busy: true });
    try {
      onAsked(await askEligibility());
      setState({ busy: false });
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }
  return (
    <div class="panel">
      <h2>Ask payers (270)</h2>
      <p class="muted">
        One inquiry per coverage of each patient with unclaimed charges, for the dates of those charges; one file per payer.
      </p>
      <button type="button" class="primary" disabled={state.busy} onClick={ask}>
        {state.busy ? 'Writing…' : 'Ask payers'}
      </button>
      {state.error && <ErrorBox error={state.error} />}
    </div>
  );
}

function Post271({ onPosted }: { onPosted(file: string, result: EligibilityPosted): void }) {
  return (
    <X12Upload
      title="Post a 271 (eligibility response)"
      label="271 file"
      button="Post 271"
      accept=".271,.x12,.edi,.txt,text/plain"
      send={async (file, x12) => onPosted(file, await postEligibilityResponse(x12))}
    />
  );
}

function InquiryFiles({ run }: { run: EligibilityInquiryRun }) {
  return (
    <div class="panel" role="status">
      <h3>270 files written</h3>
      {run.files.length === 0 ? (
        <p>No coverage to ask about: no patient with unclaimed charges has a coverage of a configured payer in force.</p>
      ) : (
        <ul>
          {run.files.map((f) => (
            <li key={f.id}>
              <a download={f.fileName} href={`data:application/edi-x12;charset=utf-8,${encodeURIComponent(f.x12)}`}>
                {f.fileName}
              </a>{' '}
              ({f.checkIds.length === 1 ? '1 inquiry' : `${f.checkIds.length} inquiries`} to {f.payerId}){' '}
              <TransferState transfer={f.transfer} />
            </li>
          ))}
        </ul>
      )}
      {run.skipped.length > 0 && (
        <p class="muted">Not asked: {run.skipped.map((s) => `coverage ${s.coverageId} (${s.reason})`).join('; ')}</p>
      )}
    </div>
  );
}

function PostedView({ file, result }: { file: string; result: EligibilityPosted }) {
  return (
    <div class="panel" role="status">
      <h3>{file}</h3>
      {result.answers.length === 0 && <p>No answer named one of our inquiries.</p>}
      <ul>
        {result.answers.map((a) => (
          <li key={a.checkId}>
            Check #{a.checkId}: <StatusBadge status={a.outcome} /> {a.summary}
            {a.coverageEnded && `; coverage ${a.coverageEnded.coverageId} ends ${a.coverageEnded.endDate}`}
            {a.memberIdChanged && `; member id of coverage ${a.memberIdChanged.coverageId} changed`}
            {a.reordered && `; coverage ${a.reordered.primaryCoverageId} is now primary`}
            {a.heldCharges.length > 0 && `; charges held: ${a.heldCharges.join(', ')}`}
          </li>
        ))}
      </ul>
      {result.unmatched > 0 && <p class="muted">{result.unmatched} answer(s) named no inquiry of ours.</p>}
      {result.rejections.length > 0 && <p>Rejected: {result.rejections.join('; ')}</p>}
    </div>
  );
}
