/**
 * The console's frame: who is logged in (login page otherwise), the navigation of the pages the role may
 * open (pages/index.ts), and the current page by hash route. A 401 from any API call returns to the login page.
 */
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from './api';
import { Loading } from './components';
import { LoginPage } from './login';
import { PAGES } from './pages';
import { href, useRoute } from './router';
import { currentUser, hasRole, logout, type User } from './session';

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const route = useRoute();

  useEffect(() => {
    currentUser().then(setUser);
    return onUnauthorized(() => setUser(null));
  }, []);

  if (user === undefined) return <Loading what="RxBridge" />;
  if (user === null) return <LoginPage onLogin={setUser} />;

  const allowed = PAGES.filter((p) => hasRole(user, p.role));
  const page = allowed.find((p) => p.path === route.parts[0]) ?? allowed.find((p) => p.path === 'dashboard') ?? allowed[0];
  const Page = page?.component;

  return (
    <div class="frame">
      <header class="top">
        <a class="brand" href="#/">
          RxBridge
        </a>
        <nav aria-label="Main">
          {allowed.map((p) => (
            <a key={p.path} href={href(`/${p.path}`)} aria-current={p === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <span class="who">
          {user.username} <span class="badge">{user.role}</span>
          <button
            type="button"
            class="link"
            onClick={async () => {
              await logout();
              setUser(null);
            }}
          >
            Log out
          </button>
        </span>
      </header>
      <main id="main">{Page ? <Page route={route} user={user} /> : <p class="state empty">No page is open to role {user.role}.</p>}</main>
    </div>
  );
}
