/**
 * Sends one X12 file to a running engine's API (`rxbridge remit`, `rxbridge acks`): reads it, POSTs it raw
 * (application/edi-x12) with the API token, and answers the parsed JSON, or the line saying why not (unreadable
 * file, or the API's status, error code and message).
 */
import fs from 'node:fs';

export type Posted<T> = { ok: true; json: T } | { ok: false; line: string };

export async function postX12File<T>(url: string, path: string, token: string, file: string): Promise<Posted<T>> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, line: `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/edi-x12' },
    body: text,
  });
  const json = (await res.json().catch(() => ({}))) as T & { error?: { code?: string; message?: string } };
  if (!res.ok) {
    return {
      ok: false,
      line: `${file}: ${res.status} ${json.error?.code ?? ''} ${json.error?.message ?? res.statusText}`.replace(/ +/g, ' '),
    };
  }
  return { ok: true, json };
}
