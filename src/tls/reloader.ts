/**
 * Certificate reload without restart for the engine's TLS servers (MLLP channels with `source.tls`, the HTTPS
 * admin API). Each target names its files and how to install fresh credentials; servers install them with
 * setSecureContext, so new handshakes use the new certificate while connections already open keep theirs.
 *
 * Triggers: reloadAll() (the engine calls it on SIGHUP), and watching the files (watch()). A reload that fails
 * (a file missing or unreadable, not PEM, a key that does not belong to the certificate) is logged as a warning
 * and installs nothing: the credentials in force stay until a later reload succeeds.
 *
 * Why fs.watchFile (stat polling) rather than fs.watch: certificates are renewed by replacing files (a temp file
 * renamed into place; certbot swaps symlinks; Kubernetes swaps a symlinked `..data` directory). fs.watch follows
 * the inode it started on, so it goes deaf after such a replacement, and its events differ between platforms;
 * fs.watchFile stats the path, so a replacement looks like any other change, for one stat per file per interval.
 * Certificate and key are rarely written at the same instant, so a change is acted on only once the files have
 * been quiet for one more interval (settle): a half-renewed pair is not even tried.
 */
import fs from 'node:fs';
import type { Logger } from '../core/logger';
import { readTlsCredentials, type TlsCredentials, type TlsFiles } from './credentials';

export interface ReloadTarget {
  /** The server in logs and results: `admin`, or `mllp:<channel>`. */
  readonly name: string;
  readonly files: TlsFiles;
  /** Installs credentials that readTlsCredentials accepted (server.setSecureContext). May throw: then nothing changed. */
  install(credentials: TlsCredentials): void;
}

export type ReloadResult = { target: string; ok: true; serial: string; validTo: string } | { target: string; ok: false; reason: string };

export interface ReloaderOptions {
  logger: Logger;
  /** How often watched files are stat'ed; 0 = no watching (SIGHUP only). */
  intervalMs: number;
}

export class CertificateReloader {
  private readonly targets: ReloadTarget[] = [];
  private readonly watched = new Map<string, (curr: fs.Stats, prev: fs.Stats) => void>();
  /** Targets whose files changed and wait for the settle timer. */
  private readonly changed = new Set<ReloadTarget>();
  private settleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: ReloaderOptions) {}

  add(target: ReloadTarget): void {
    this.targets.push(target);
  }

  /** Forgets the targets named `name` (a channel removed by a reload); files no other target uses are no longer watched. */
  remove(name: string): void {
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const target = this.targets[i] as ReloadTarget;
      if (target.name !== name) continue;
      this.targets.splice(i, 1);
      this.changed.delete(target);
    }
    const inUse = new Set(this.targets.flatMap((t) => filesOf(t.files)));
    for (const [file, listener] of this.watched) {
      if (inUse.has(file)) continue;
      fs.unwatchFile(file, listener);
      this.watched.delete(file);
    }
  }

  /** Re-reads every target's files and installs what verifies; one result per target. */
  reloadAll(): ReloadResult[] {
    if (this.targets.length === 0) this.opts.logger.info('no tls certificates to reload', {});
    return this.targets.map((t) => this.reload(t));
  }

  /** Starts polling every target's files (no-op with intervalMs 0 or no targets). */
  watch(): void {
    const interval = this.opts.intervalMs;
    if (interval <= 0 || this.closed) return;
    for (const target of this.targets) {
      for (const file of filesOf(target.files)) {
        if (this.watched.has(file)) continue;
        const listener = (curr: fs.Stats, prev: fs.Stats): void => {
          if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
          this.onFileChanged(file);
        };
        this.watched.set(file, listener);
        // persistent: false: watching never keeps the process alive on its own.
        fs.watchFile(file, { interval, persistent: false }, listener);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const [file, listener] of this.watched) fs.unwatchFile(file, listener);
    this.watched.clear();
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.changed.clear();
  }

  private onFileChanged(file: string): void {
    for (const target of this.targets) if (filesOf(target.files).includes(file)) this.changed.add(target);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      const due = [...this.changed];
      this.changed.clear();
      if (this.closed) return;
      this.opts.logger.info('tls files changed: reloading', { count: due.length });
      for (const target of due) this.reload(target);
    }, this.opts.intervalMs);
    this.settleTimer.unref();
  }

  private reload(target: ReloadTarget): ReloadResult {
    const log = this.opts.logger;
    try {
      const credentials = readTlsCredentials(target.files);
      target.install(credentials);
      log.info('tls certificate reloaded', { server: target.name, serial: credentials.serial, validTo: credentials.validTo });
      return { target: target.name, ok: true, serial: credentials.serial, validTo: credentials.validTo };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.warn('tls certificate reload failed; the certificate in force stays', { server: target.name, reason });
      return { target: target.name, ok: false, reason };
    }
  }
}

function filesOf(files: TlsFiles): string[] {
  return files.ca === undefined ? [files.cert, files.key] : [files.cert, files.key, files.ca];
}
