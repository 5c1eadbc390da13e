/**
 * Keyboard shortcuts of the console pages: `/` focuses the page's search field (unless the user is typing in a
 * field already), as in most web tools. Every other action is a link or a button, reachable by Tab and Enter.
 */
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** While mounted, `/` moves the focus to `ref`'s element. */
export function useSlashFocus(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const el = ref.current;
      if (!el) return;
      e.preventDefault();
      el.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [ref]);
}

/** Calls `tick` every `ms` while the tab is visible; when the tab comes back, at once. */
export function useVisibleInterval(tick: () => void, ms: number): void {
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) timer = setInterval(tick, ms);
    };
    const stop = () => {
      if (timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    };
    const onVisibility = () => {
      if (document.hidden) stop();
      else {
        tick();
        start();
      }
    };
    if (!document.hidden) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [tick, ms]);
}
