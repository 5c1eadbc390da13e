/**
 * Sends X12 files to a running engine's API (`rxbridge remit`, `rxbridge acks`): `postX12Files` reads the
 * command line (FILE... [--url URL]) and the API token, then for each file `postX12File` reads it, POSTs it raw
 * (application/edi-x12) and answers the parsed JSON, or the line saying why not (unreadable file, or the API's
 * status, error code and message). Exit code: 0 all recorded, 1 one was refused or unreadable, 2 a usage error.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { apiToken, defaultAdminUrl, NO_API_TOKEN } from './admin-url';

export interface X12FilesCommand<T> {
  /** e.g. "remit needs at least one 835 file", printed with the usage when no file is given. */
  noFiles: string;
  usage: string;
  /** The API path the files are posted to. */
  path: string;
  /** The lines to print for one file the API recorded. */
  summary(file: string, answer: T): string[];
}

export async function postX12Files<T>(
  command: X12FilesCommand<T>,
  args: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { url: { type: 'string', default: defaultAdminUrl(env) } },
  });
  if (positionals.length === 0) {
    out(`rxbridge: ${command.noFiles}\nusage:\n${command.usage}`);
    return 2;
  }
  const token = apiToken(env);
  if (!token) {
    out(NO_API_TOKEN);
    return 2;
  }
  let failures = 0;
  for (const file of positionals) {
    const posted = await postX12File<T>(values.url, command.path, token, file);
    if (!posted.ok) {
      failures++;
      out(posted.line);
      continue;
    }
    for (const line of command.summary(file, posted.json)) out(line);
  }
  return failures === 0 ? 0 : 1;
}

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
