/**
 * The login page. It first asks GET /api/setup: while the first admin is still to be made (a bootstrap token is
 * configured and no enabled admin exists), it shows the first-run form instead — the bootstrap token (held in
 * this component only while the form is filled, never stored), a user name and the password twice — which
 * creates that admin and logs the browser in as them. Otherwise the login form: user name and password → a cookie
 * session (session.ts), with a one-line hint on how to get an account. Shows the API's reason on failure.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from './components';
import { createFirstAdmin, getSetup } from './ops-api';
import { currentUser, login, type User } from './session';

export function LoginPage({ onLogin }: { onLogin(user: User): void }) {
  const [firstAdminNeeded, setFirstAdminNeeded] = useState<boolean | undefined>(undefined);

  useEffect(() => {
    // An engine too old to answer shows the login form.
    getSetup().then(
      (s) => setFirstAdminNeeded(s.firstAdminNeeded),
      () => setFirstAdminNeeded(false),
    );
  }, []);

  if (firstAdminNeeded === undefined) return <Loading what="RxBridge" />;
  return firstAdminNeeded ? (
    <FirstAdminForm onLogin={onLogin} onAdminExists={() => setFirstAdminNeeded(false)} />
  ) : (
    <LoginForm onLogin={onLogin} />
  );
}

function field(set: (value: string) => void) {
  return (e: Event) => set((e.target as HTMLInputElement).value);
}

function LoginForm({ onLogin }: { onLogin(user: User): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await login(username, password));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form onSubmit={submit} aria-label="Log in">
        <h1>RxBridge</h1>
        <label>
          User name <input name="username" autoComplete="username" autoFocus required value={username} onInput={field(setUsername)} />
        </label>
        <label>
          Password{' '}
          <input name="password" type="password" autoComplete="current-password" required value={password} onInput={field(setPassword)} />
        </label>
        {error && <ErrorBox error={error} />}
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p class="muted hint">No account? Ask an administrator; the first one is created on this page with RXBRIDGE_ADMIN_TOKEN.</p>
      </form>
    </main>
  );
}

/** The first run: creates the first admin with the bootstrap token, then opens the console as them. */
function FirstAdminForm({ onLogin, onAdminExists }: { onLogin(user: User): void; onAdminExists(): void }) {
  const [token, setToken] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(undefined);
    if (password !== again) {
      setError(new Error('the two passwords differ'));
      return;
    }
    setBusy(true);
    try {
      await createFirstAdmin({ token, username, password });
      setToken('');
      const user = await currentUser();
      if (!user) throw new Error('the administrator was created but the session did not open: log in');
      onLogin(user);
    } catch (err) {
      if ((err as { status?: number }).status === 409) onAdminExists();
      else setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form onSubmit={submit} aria-label="Create the first administrator">
        <h1>Create the first administrator</h1>
        <p class="muted hint">
          No administrator exists yet. Give the bootstrap token the engine was started with (RXBRIDGE_ADMIN_TOKEN); it is used once for this
          and not kept.
        </p>
        <label>
          Bootstrap token{' '}
          <input name="token" type="password" autoComplete="off" autoFocus required value={token} onInput={field(setToken)} />
        </label>
        <label>
          User name <input name="username" autoComplete="username" required value={username} onInput={field(setUsername)} />
        </label>
        <label>
          Password{' '}
          <input name="password" type="password" autoComplete="new-password" required value={password} onInput={field(setPassword)} />
        </label>
        <label>
          Password again{' '}
          <input name="password-again" type="password" autoComplete="new-password" required value={again} onInput={field(setAgain)} />
        </label>
        {error && <ErrorBox error={error} />}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create administrator'}
        </button>
      </form>
    </main>
  );
}
