/** The login form: user name and password → a cookie session (session.ts). Shows the API's reason on failure. */
import { useState } from 'preact/hooks';
import { ErrorBox } from './components';
import { login, type User } from './session';

export function LoginPage({ onLogin }: { onLogin(user: User): void }) {
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
        <label>User name <input name="username" autoComplete="username" autoFocus required value={username}
          onInput={(e) => setUsername((e.target as HTMLInputElement).value)} /></label>
        <label>Password <input name="password" type="password" autoComplete="current-password" required value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
        {error && <ErrorBox error={error} />}
        <button type="submit" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </main>
  );
}
