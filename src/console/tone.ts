/** How a short status reads at a glance, and its badge class (styles.css). Pure. */
export type Tone = 'ok' | 'warn' | 'error' | 'muted';

/** ok → green, warn → amber, error → red, muted → the plain grey badge. */
export function toneClass(tone: Tone): string {
  switch (tone) {
    case 'ok':
      return 'badge status-ok';
    case 'warn':
      return 'badge status-waiting';
    case 'error':
      return 'badge status-error';
    default:
      return 'badge';
  }
}
