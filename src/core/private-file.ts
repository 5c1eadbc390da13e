/**
 * Permission checks for files holding secrets, as ssh does for private keys: a key that other users can read
 * is refused (with the file, its mode and the fix named), not used silently. On Windows modes mean nothing and
 * nothing is checked.
 */
import fs from 'node:fs';

/**
 * Throws when `file` grants any of the permission bits in `forbidden` (0o077: group and others; 0o007: others).
 * `what` names the file's role in the message. A file that cannot be stat'ed is left to the reader to report.
 */
export function refuseOpenPermissions(file: string, forbidden: number, what: string): void {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & forbidden) === 0) return;
  const who = (forbidden & 0o070) !== 0 ? 'its group or other users' : 'other users';
  const fix = (forbidden & 0o070) !== 0 ? 'chmod 600' : 'chmod o-rwx';
  throw new Error(
    `${what} ${file} can be read or written by ${who} (mode ${mode.toString(8).padStart(4, '0')}); ` +
      `a secret key must be private: ${fix} ${file}`,
  );
}
