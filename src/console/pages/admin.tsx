/**
 * Page `#/admin/users|tokens|channels|payers|audit` (admin; docs/security.md):
 * - users: list, add (name, password, role), change role, disable / enable, unlock a locked user;
 * - tokens: API and session tokens (never their text), create an API token — its text is shown once, with a
 *   copy button — and revoke;
 * - channels: the channels in force and the channel files reloaded without a restart (admin-channels.tsx);
 * - payers: billing.yaml reloaded, the unknown payer ids of incoming coverages and "add this payer" (admin-payers.tsx);
 * - audit: the trail searched by actor, action and date, paged, exported as CSV (fetched with the session and
 *   saved from a Blob; the export is itself audited).
 * Every change answers with the new state and is audited by the server.
 */
import { useState } from 'preact/hooks';
import { ConfirmButton, Empty, ErrorBox, formatDateTime, Show, useLoad } from '../components';
import { saveText } from '../download';
import {
  auditCsv,
  auditEvents,
  createToken,
  createUser,
  listTokens,
  listUsers,
  revokeToken,
  updateUser,
  type AuditSearch,
} from '../ops-api';
import { href } from '../router';
import { ROLES, type Role } from '../session';
import { ChannelsAdmin } from './admin-channels';
import { PayersAdmin } from './admin-payers';
import type { PageProps } from './index';

const TABS = [
  { id: 'users', title: 'Users' },
  { id: 'tokens', title: 'Tokens' },
  { id: 'channels', title: 'Channels' },
  { id: 'payers', title: 'Payers' },
  { id: 'audit', title: 'Audit trail' },
] as const;

export function AdminPage({ route }: PageProps) {
  const tab = TABS.find((t) => t.id === route.parts[1]) ?? TABS[0];
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      <nav class="tabs" aria-label="Administration">
        {TABS.map((t) => (
          <a key={t.id} href={href(`/admin/${t.id}`)} aria-current={t.id === tab.id ? 'page' : undefined}>
            {t.title}
          </a>
        ))}
      </nav>
      {tab.id === 'users' && <Users />}
      {tab.id === 'tokens' && <Tokens />}
      {tab.id === 'channels' && <ChannelsAdmin />}
      {tab.id === 'payers' && <PayersAdmin />}
      {tab.id === 'audit' && <Audit />}
    </section>
  );
}

// ----------------------------------------------------------------------------------------------------------
// Users

function Users() {
  const [reload, setReload] = useState(0);
  const loaded = useLoad(() => listUsers(), [reload]);
  const [state, setState] = useState<{ message?: string; error?: Error }>({});
  const refresh = () => setReload((r) => r + 1);

  async function change(username: string, body: Partial<{ role: Role; disabled: boolean; unlock: true }>, done: string) {
    setState({});
    try {
      await updateUser(username, body);
      setState({ message: done });
      refresh();
    } catch (err) {
      setState({ error: err as Error });
    }
  }

  return (
    <>
      <AddUser
        onAdded={(name) => {
          setState({ message: `User ${name} added.` });
          refresh();
        }}
      />
      {state.message && (
        <p class="state ok" role="status">
          {state.message}
        </p>
      )}
      {state.error && <ErrorBox error={state.error} />}
      <Show loaded={loaded} what="users">
        {({ users }) =>
          users.length === 0 ? (
            <Empty>No user yet: add the first admin above.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>User</th>
                  <th>Role</th>
                  <th>State</th>
                  <th>Created</th>
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => {
                  const locked = u.lockedUntil !== null && new Date(u.lockedUntil).getTime() > Date.now();
                  return (
                    <tr key={u.id}>
                      <td>{u.username}</td>
                      <td>
                        <select
                          aria-label={`Role of ${u.username}`}
                          value={u.role}
                          onChange={(e) =>
                            change(
                              u.username,
                              { role: (e.currentTarget as HTMLSelectElement).value as Role },
                              `${u.username} is now ${(e.currentTarget as HTMLSelectElement).value}.`,
                            )
                          }
                        >
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        {u.disabled ? <span class="badge status-error">disabled</span> : <span class="badge status-ok">enabled</span>}
                        {locked && (
                          <span class="badge status-waiting" title={`after ${u.failedAttempts} failed logins`}>
                            locked until {formatDateTime(u.lockedUntil)}
                          </span>
                        )}
                      </td>
                      <td>{formatDateTime(u.createdAt)}</td>
                      <td class="actions">
                        {u.disabled ? (
                          <button type="button" onClick={() => change(u.username, { disabled: false }, `${u.username} is enabled.`)}>
                            Enable {u.username}
                          </button>
                        ) : (
                          <ConfirmButton
                            label={`Disable ${u.username}`}
                            confirmLabel={`Confirm disable ${u.username}`}
                            question={`Disable ${u.username}? Their sessions and tokens stop working at once; enabling them again revives none.`}
                            onConfirm={() =>
                              change(u.username, { disabled: true }, `${u.username} is disabled: their tokens stop working.`)
                            }
                          />
                        )}
                        {locked && (
                          <button type="button" onClick={() => change(u.username, { unlock: true }, `${u.username} is unlocked.`)}>
                            Unlock
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

function AddUser({ onAdded }: { onAdded(username: string): void }) {
  const [form, setForm] = useState<{ username: string; password: string; role: Role }>({ username: '', password: '', role: 'viewer' });
  const [state, setState] = useState<{ busy: boolean; error?: Error }>({ busy: false });

  async function submit(e: Event) {
    e.preventDefault();
    setState({ busy: true });
    try {
      await createUser(form);
      setState({ busy: false });
      onAdded(form.username);
      setForm({ username: '', password: '', role: 'viewer' });
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  return (
    <form class="panel" aria-label="Add a user" onSubmit={submit}>
      <h2>Add a user</h2>
      <div class="toolbar">
        <label>
          User name{' '}
          <input
            name="new-username"
            autoComplete="off"
            required
            value={form.username}
            onInput={(e) => setForm({ ...form, username: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <label>
          Password (12 characters or more){' '}
          <input
            name="new-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={form.password}
            onInput={(e) => setForm({ ...form, password: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <label>
          Role
          <select
            name="new-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: (e.currentTarget as HTMLSelectElement).value as Role })}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={state.busy}>
          {state.busy ? 'Adding…' : 'Add user'}
        </button>
      </div>
      {state.error && <ErrorBox error={state.error} />}
    </form>
  );
}

// ----------------------------------------------------------------------------------------------------------
// Tokens

function Tokens() {
  const [all, setAll] = useState(false);
  const [reload, setReload] = useState(0);
  const loaded = useLoad(() => listTokens(all), [all, reload]);
  const [state, setState] = useState<{ message?: string; error?: Error; confirm?: string }>({});

  async function revoke(id: string) {
    try {
      await revokeToken(id);
      setState({ message: `Token ${id} revoked.` });
      setReload((r) => r + 1);
    } catch (err) {
      setState({ error: err as Error });
    }
  }

  return (
    <>
      <CreateToken onCreated={() => setReload((r) => r + 1)} />
      {state.message && (
        <p class="state ok" role="status">
          {state.message}
        </p>
      )}
      {state.error && <ErrorBox error={state.error} />}
      <label class="inline">
        <input type="checkbox" checked={all} onChange={(e) => setAll((e.currentTarget as HTMLInputElement).checked)} /> Show revoked and
        expired tokens
      </label>
      <Show loaded={loaded} what="tokens">
        {({ tokens }) =>
          tokens.length === 0 ? (
            <Empty>No {all ? '' : 'live '}token.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Id</th>
                  <th>User</th>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Created</th>
                  <th>Expires</th>
                  <th>Last used</th>
                  <th>State</th>
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => {
                  const expired = t.expiresAt !== null && new Date(t.expiresAt).getTime() <= Date.now();
                  const live = !t.revokedAt && !expired;
                  return (
                    <tr key={t.id}>
                      <td>{t.id}</td>
                      <td>{t.username}</td>
                      <td>{t.name}</td>
                      <td>{t.kind}</td>
                      <td>{formatDateTime(t.createdAt)}</td>
                      <td>{t.expiresAt ? formatDateTime(t.expiresAt) : 'never'}</td>
                      <td>{formatDateTime(t.lastUsedAt)}</td>
                      <td>
                        {t.revokedAt ? (
                          <span class="badge">revoked</span>
                        ) : expired ? (
                          <span class="badge">expired</span>
                        ) : (
                          <span class="badge status-ok">live</span>
                        )}
                      </td>
                      <td class="actions">
                        {live &&
                          (state.confirm === t.id ? (
                            <span class="confirm" role="group" aria-label={`Revoke token ${t.id}`}>
                              <button type="button" class="danger" onClick={() => revoke(t.id)}>
                                Confirm revoke
                              </button>
                              <button type="button" onClick={() => setState({})}>
                                Cancel
                              </button>
                            </span>
                          ) : (
                            <button type="button" onClick={() => setState({ confirm: t.id })}>
                              Revoke {t.id}
                            </button>
                          ))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

function CreateToken({ onCreated }: { onCreated(): void }) {
  const users = useLoad(() => listUsers(), []);
  const [form, setForm] = useState({ username: '', name: '', expiresDays: '' });
  const [state, setState] = useState<{
    busy: boolean;
    created?: { id: string; username: string; token: string; expiresAt: string | null };
    error?: Error;
    copied?: boolean;
  }>({ busy: false });

  async function submit(e: Event) {
    e.preventDefault();
    setState({ busy: true });
    try {
      const body: { username: string; name?: string; expiresDays?: number } = { username: form.username };
      if (form.name.trim()) body.name = form.name.trim();
      if (form.expiresDays.trim()) body.expiresDays = Number(form.expiresDays);
      const created = await createToken(body);
      setState({ busy: false, created });
      setForm({ username: '', name: '', expiresDays: '' });
      onCreated();
    } catch (err) {
      setState({ busy: false, error: err as Error });
    }
  }

  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setState((s) => ({ ...s, copied: true }));
    } catch {
      setState((s) => ({
        ...s,
        copied: false,
        error: new Error('the browser refused the clipboard: select the token and copy it by hand'),
      }));
    }
  }

  const enabled = users.data?.users.filter((u) => !u.disabled) ?? [];
  return (
    <form class="panel" aria-label="Create an API token" onSubmit={submit}>
      <h2>Create an API token</h2>
      <div class="toolbar">
        <label>
          For user
          <select
            required
            value={form.username}
            onChange={(e) => setForm({ ...form, username: (e.currentTarget as HTMLSelectElement).value })}
          >
            <option value="" disabled>
              choose…
            </option>
            {enabled.map((u) => (
              <option key={u.id} value={u.username}>
                {u.username} ({u.role})
              </option>
            ))}
          </select>
        </label>
        <label>
          Name{' '}
          <input
            value={form.name}
            maxLength={100}
            placeholder="api"
            onInput={(e) => setForm({ ...form, name: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <label>
          Expires after (days, empty: never){' '}
          <input
            type="number"
            min={1}
            max={3650}
            value={form.expiresDays}
            onInput={(e) => setForm({ ...form, expiresDays: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <button type="submit" class="primary" disabled={state.busy || !form.username}>
          {state.busy ? 'Creating…' : 'Create token'}
        </button>
      </div>
      {state.error && <ErrorBox error={state.error} />}
      {state.created && (
        <div class="state warn token-once" role="status">
          <p>
            Token {state.created.id} for {state.created.username}
            {state.created.expiresAt ? `, expires ${formatDateTime(state.created.expiresAt)}` : ''}.<strong> It is shown only now:</strong>{' '}
            copy it into the program that will use it.
          </p>
          <div class="toolbar">
            <input
              class="mono"
              readOnly
              aria-label="New token"
              size={60}
              value={state.created.token}
              onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
            />
            <button type="button" onClick={() => copy(state.created!.token)}>
              {state.copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" onClick={() => setState({ busy: false })}>
              Done
            </button>
          </div>
        </div>
      )}
    </form>
  );
}

// ----------------------------------------------------------------------------------------------------------
// Audit trail

type AuditFilter = AuditSearch;

/** A value cut to its cell's width on one line; the whole text is its title (hover) and stays selectable. */
function Cut({ text }: { text: string }) {
  return (
    <span class="cut" title={text}>
      {text}
    </span>
  );
}

function Audit() {
  const [filter, setFilter] = useState<AuditFilter>({ actor: '', action: '', since: '' });
  const [form, setForm] = useState<AuditFilter>(filter);
  const [before, setBefore] = useState<string[]>([]); // the cursors of the pages before this one
  const cursor = before[before.length - 1];
  const loaded = useLoad(() => auditEvents(filter, cursor, 100), [filter, cursor]);
  const [exporting, setExporting] = useState<{ busy: boolean; error?: Error }>({ busy: false });

  async function exportCsv() {
    setExporting({ busy: true });
    try {
      const csv = await auditCsv(filter);
      saveText('rxbridge-audit.csv', csv, 'text/csv');
      setExporting({ busy: false });
    } catch (err) {
      setExporting({ busy: false, error: err as Error });
    }
  }

  return (
    <>
      <form
        class="toolbar"
        aria-label="Audit search"
        onSubmit={(e) => {
          e.preventDefault();
          setBefore([]);
          setFilter({ ...form });
        }}
      >
        <label>
          Actor{' '}
          <input
            value={form.actor}
            placeholder="user name"
            onInput={(e) => setForm({ ...form, actor: (e.currentTarget as HTMLInputElement).value.trim() })}
          />
        </label>
        <label>
          Action{' '}
          <input
            value={form.action}
            placeholder="e.g. mapping.save"
            onInput={(e) => setForm({ ...form, action: (e.currentTarget as HTMLInputElement).value.trim() })}
          />
        </label>
        <label>
          Since{' '}
          <input type="date" value={form.since} onInput={(e) => setForm({ ...form, since: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <button type="submit">Search</button>
        <button type="button" onClick={exportCsv} disabled={exporting.busy}>
          {exporting.busy ? 'Exporting…' : 'Export CSV'}
        </button>
      </form>
      {exporting.error && <ErrorBox error={exporting.error} />}
      <Show loaded={loaded} what="audit events">
        {({ events, next }) =>
          events.length === 0 ? (
            <Empty>No audit event matches.</Empty>
          ) : (
            <>
              <table class="compact audit-events">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>When</th>
                    <th>Actor</th>
                    <th>Role</th>
                    <th>Action</th>
                    <th>Target</th>
                    <th>From</th>
                    <th>Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((e) => (
                    <tr key={e.id}>
                      <td>{e.id}</td>
                      <td>{formatDateTime(e.at)}</td>
                      <td>{e.actor}</td>
                      <td>{e.role ?? '—'}</td>
                      <td class="mono">{e.action}</td>
                      <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</td>
                      <td class="mono">{e.sourceIp ?? '—'}</td>
                      <td class="mono detail">
                        <Cut text={e.detail && Object.keys(e.detail as object).length > 0 ? JSON.stringify(e.detail) : ''} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div class="pager">
                {before.length > 0 && (
                  <button type="button" class="link" onClick={() => setBefore(before.slice(0, -1))}>
                    Newer
                  </button>
                )}
                {next && (
                  <button type="button" class="link" onClick={() => setBefore([...before, next])}>
                    Older
                  </button>
                )}
              </div>
            </>
          )
        }
      </Show>
    </>
  );
}
