/**
 * Hash routing: `#/messages/42?status=error` → { path: '/messages/42', parts: ['messages','42'], params }.
 * URLs carry ids, statuses, channel names and dates only — never PHI (patient names or ids stay in page
 * state). `useRoute()` re-renders on hashchange; `navigate()` changes the hash.
 */
import { useEffect, useState } from 'preact/hooks';
import { href } from './href';

export { href };

export interface Route {
  path: string;
  parts: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart = '/', queryPart = ''] = raw.split('?', 2);
  const path = pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  return { path, parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(queryPart) };
}

export function navigate(path: string, params?: Record<string, string | number | undefined>): void {
  location.hash = href(path, params);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
