/** A console address: `#/path?k=v` with the defined, non-empty params (pure; the router and id links use it). */
export function href(path: string, params?: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== '') qs.set(k, String(v));
  const q = qs.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}
