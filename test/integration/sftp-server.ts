/**
 * A real OpenSSH SFTP server of the test's own: Debian's /usr/sbin/sshd on a free loopback port, a throw-away
 * ed25519 host key and client key in a temp folder, `ForceCommand internal-sftp -d <root>`, `UsePAM no`,
 * `StrictModes no` (tests run as root here, so `PermitRootLogin yes` is for this server only). The files live under
 * `root`, an absolute folder: remote paths are `${root}/outbound` and so on.
 *
 * `SSHD_MISSING` is the reason to skip when /usr/sbin/sshd is not installed (CI installs openssh-server).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { freePort, waitFor } from './support';

export const SSHD = '/usr/sbin/sshd';
export const SSHD_MISSING = fs.existsSync(SSHD) ? undefined : `${SSHD} is not installed (apt-get install openssh-server): SFTP tests skipped`;

export interface SftpServer {
  host: string;
  port: number;
  /** The folder the client starts in; outbound/, inbound/, archive/ and error/ exist under it. */
  root: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The client's private key file (OpenSSH format, no passphrase). */
  clientKeyFile: string;
  /** The temp folder holding keys, config and logs. */
  dir: string;
  /** SIGKILL the server and every session process it started (a server that goes away). */
  kill(): Promise<void>;
  /** Starts it again on the same port, keys and files. */
  start(): Promise<void>;
  stop(): Promise<void>;
  log(): string;
}

export async function startSftpServer(opts: { passwordAuthentication?: boolean } = {}): Promise<SftpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxbridge-sftp-'));
  const root = path.join(dir, 'root');
  for (const d of ['outbound', 'inbound', 'archive', 'error']) fs.mkdirSync(path.join(root, d), { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  fs.copyFileSync(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys'));
  const fingerprint = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host_key.pub')], { encoding: 'utf8' }).split(' ')[1] as string;
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin yes',
      `PasswordAuthentication ${opts.passwordAuthentication ? 'yes' : 'no'}`,
      'Subsystem sftp internal-sftp',
      `ForceCommand internal-sftp -d ${root}`,
      '',
    ].join('\n'),
  );
  // sshd's privilege separation folder; Debian's service creates it at boot, a bare container may not have it.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (d) => (output += String(d)));
    child.stderr?.on('data', (d) => (output += String(d)));
    await waitFor(() => canConnect(port), 10_000, `sshd on port ${port}`);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    // The listener and the per-session processes it forked (each in a session of its own, so found by parent pid).
    for (const pid of [c.pid as number, ...descendants(c.pid as number)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    root,
    fingerprint,
    clientKeyFile: path.join(dir, 'client_key'),
    dir,
    kill,
    start,
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    log: () => output,
  };
}

/** Every process below `pid` (from /proc), children first found first. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
