/**
 * The versions of one mapping (GET /api/mappings/:name/versions, operator): who saved which version when; a
 * version opens with its text (GET /api/mappings/:name/versions/:version) and its line diff to the current text;
 * an admin rolls back to it (POST /api/mappings/:name/rollback {version}: the server saves that text as a new
 * version, validated, audited and hot-reloaded like a save) after confirming inline.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { Empty, ErrorBox, formatDateTime, Show, useLoad } from '../components';
import { diffStats, foldUnchanged, lineDiff, type DiffRow } from '../line-diff';
import { getMappingVersion, listMappingVersions, rollbackMapping } from '../ops-api';

interface Props {
  name: string;
  /** The saved text the editor started from (what "current" means in a diff). */
  current: string;
  liveVersion: number | null;
  admin: boolean;
  onRolledBack(message: string): void;
}

export function MappingHistory({ name, current, liveVersion, admin, onRolledBack }: Props) {
  const loaded = useLoad(() => listMappingVersions(name), [name]);
  const [open, setOpen] = useState<number | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [rollback, setRollback] = useState<{ busy: boolean; error?: Error }>({ busy: false });

  async function rollBack(version: number) {
    setRollback({ busy: true });
    try {
      const res = await rollbackMapping(name, version);
      setConfirming(null);
      setRollback({ busy: false });
      onRolledBack(`Rolled back: version ${version}'s text is now live as version ${res.version}.`);
    } catch (err) {
      setRollback({ busy: false, error: err as Error });
    }
  }

  return (
    <section class="panel history" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <Show loaded={loaded} what="versions">
        {({ versions }) =>
          versions.length === 0 ? (
            <Empty>No saved version yet: the live text comes from the mapping file. Saving creates version 1.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Saved</th>
                  <th>By</th>
                  <th>SHA-256</th>
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...versions]
                  .sort((a, b) => b.version - a.version)
                  .map((v) => (
                    <Fragment key={v.version}>
                      <tr>
                        <td>
                          v{v.version} {v.version === liveVersion && <span class="badge status-ok">live</span>}
                        </td>
                        <td>{formatDateTime(v.createdAt)}</td>
                        <td>{v.actor ?? '—'}</td>
                        <td class="mono" title={v.sha256}>
                          {v.sha256.slice(0, 12)}
                        </td>
                        <td class="actions">
                          <button
                            type="button"
                            aria-expanded={open === v.version}
                            onClick={() => setOpen(open === v.version ? null : v.version)}
                          >
                            {open === v.version ? 'Hide' : 'Show'} v{v.version}
                          </button>
                          {admin && v.version !== liveVersion && (
                            <button
                              type="button"
                              onClick={() => {
                                setConfirming(v.version);
                                setRollback({ busy: false });
                              }}
                            >
                              Roll back to v{v.version}
                            </button>
                          )}
                        </td>
                      </tr>
                      {confirming === v.version && (
                        <tr class="confirm-row">
                          <td colSpan={5}>
                            <div class="confirm" role="group" aria-label={`Roll back to version ${v.version}`}>
                              Save version {v.version}'s text as a new version and make it live?
                              <button type="button" class="danger" disabled={rollback.busy} onClick={() => rollBack(v.version)}>
                                {rollback.busy ? 'Rolling back…' : 'Confirm roll back'}
                              </button>
                              <button type="button" onClick={() => setConfirming(null)}>
                                Cancel
                              </button>
                              {rollback.error && <ErrorBox error={rollback.error} />}
                            </div>
                          </td>
                        </tr>
                      )}
                      {open === v.version && (
                        <tr>
                          <td colSpan={5}>
                            <VersionView name={name} version={v.version} current={current} />
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
    </section>
  );
}

function VersionView({ name, version, current }: { name: string; version: number; current: string }) {
  const loaded = useLoad(() => getMappingVersion(name, version), [name, version]);
  const [tab, setTab] = useState<'diff' | 'text'>('diff');
  return (
    <Show loaded={loaded} what={`version ${version}`}>
      {(v) => {
        const rows = lineDiff(v.content, current);
        const stats = diffStats(rows);
        return (
          <div class="version-view">
            <div class="tabs" role="tablist" aria-label={`Version ${version}`}>
              <button type="button" role="tab" aria-selected={tab === 'diff'} onClick={() => setTab('diff')}>
                Diff to current
              </button>
              <button type="button" role="tab" aria-selected={tab === 'text'} onClick={() => setTab('text')}>
                Text of v{version}
              </button>
            </div>
            {tab === 'text' ? (
              <pre class="code-block" aria-label={`Text of version ${version}`}>
                {v.content}
              </pre>
            ) : stats.added + stats.removed === 0 ? (
              <p class="state empty">Version {version} is the same text as the current one.</p>
            ) : (
              <>
                <p class="muted">
                  From version {version} to the current text: {stats.added} {stats.added === 1 ? 'line' : 'lines'} added, {stats.removed}{' '}
                  removed.
                </p>
                <DiffTable rows={foldUnchanged(rows)} />
              </>
            )}
          </div>
        );
      }}
    </Show>
  );
}

const MARK: Record<string, string> = { added: '+', removed: '−', same: ' ' };

export function DiffTable({ rows }: { rows: readonly DiffRow[] }) {
  return (
    <table class="line-diff" aria-label="Line diff">
      <tbody>
        {rows.map((r, i) =>
          r.kind === 'skipped' ? (
            <tr key={i} class="skipped">
              <td colSpan={4}>
                … {r.count} unchanged {r.count === 1 ? 'line' : 'lines'} …
              </td>
            </tr>
          ) : (
            <tr key={i} class={r.kind}>
              <td class="ln">{r.oldLine ?? ''}</td>
              <td class="ln">{r.newLine ?? ''}</td>
              <td class="mark" aria-label={r.kind === 'same' ? undefined : r.kind}>
                {MARK[r.kind]}
              </td>
              <td class="text">
                <pre>{r.text}</pre>
              </td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}
