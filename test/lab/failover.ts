// The failover lab of ../shared/spec/lab.md, inside a test's private namespace (see namespace.ts): a bridge, two
// servers A and B, each in its own network namespace (veth on the bridge) with its own mount namespace running
// rpcbind and nfs-ganesha, and a floating address the test moves with `ip addr del/add` plus a neighbour flush.
// Every process is started by this file and stopped by PID.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { waitFor } from './namespace.js';

export const BRIDGE_ADDRESS = '10.99.0.1';
export const FLOATING = '10.99.0.100';
const PREFIX = 24;

export type ServerName = 'A' | 'B';

/**
 * Run a command without blocking the event loop (the watch measures time meanwhile), at nice -20 so that a loaded
 * machine delays the address moves as little as possible.
 */
export function runAsync(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nice', ['-n', '-20', command, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

interface Tracked {
  readonly pid: number;
  readonly exited: Promise<void>;
  isRunning(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
}

function track(child: ChildProcess): Tracked {
  if (child.pid === undefined) throw new Error('could not start a lab process');
  const pid = child.pid;
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  return {
    pid,
    exited,
    isRunning: () => running,
    async kill(signal) {
      if (!running) return;
      try {
        process.kill(pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      await exited;
    },
  };
}

export interface ServerOptions {
  /** Directory exported (Path); the same path on both servers. */
  exportDir: string;
  /** Mount a tmpfs of this server's own over exportDir in its mount namespace (other storage than the peer). */
  ownTmpfs?: boolean;
  /** Loop-mount this filesystem image over exportDir in the server's mount namespace (a block-level replica). */
  image?: string;
  /** Extra lines for the NFSV4 block (default `Graceless = true;`). */
  nfsv4?: string;
  exportId?: number;
  /**
   * Locks (opt-in): run rpc.statd in the server's namespaces (`-n FLOATING -P statdDir`, started with rpcbind) so
   * that ganesha's NLM works; statdDir on shared storage is the HA guide's shared /var/lib/nfs.
   */
  statdDir?: string;
  /** The name statd is started with (-n; default the floating address). */
  statdName?: string;
  /** NFSv4 RecoveryRoot (default one of the server's own); the same directory on both servers allows reclaim. */
  recoveryRoot?: string;
  /** The export's NFSv4 pseudo path (default /export). */
  pseudo?: string;
}

export class LabServer {
  readonly name: ServerName;
  readonly netns: string;
  readonly address: string;
  readonly dir: string;
  private options: ServerOptions;
  private rpcbind: Tracked | undefined;
  private ganeshaProcess: Tracked | undefined;
  private statd: Tracked | undefined;
  private starts = 0;

  constructor(name: ServerName, options: ServerOptions, dir: string) {
    this.name = name;
    this.netns = `nfs${name}`;
    this.address = name === 'A' ? '10.99.0.11' : '10.99.0.12';
    this.options = { ...options };
    this.dir = dir;
  }

  /** rpcbind in a new mount namespace (private /run, and the own tmpfs when asked) inside the server's netns. */
  async startRpcbind(): Promise<void> {
    const dir = this.options.exportDir;
    const tmpfs = this.options.ownTmpfs ? `mount -t tmpfs tmpfs "${dir}";` : '';
    const image = this.options.image === undefined ? '' : `mount -o loop "${this.options.image}" "${dir}";`;
    const script = `set -e; mount -t tmpfs tmpfs /run; mkdir -p /run/rpcbind; ${tmpfs} ${image} exec rpcbind -f -w`;
    const log = openSync(join(this.dir, 'rpcbind.log'), 'a');
    const child = spawn(
      'ip',
      ['netns', 'exec', this.netns, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script],
      { stdio: ['ignore', log, log] },
    );
    this.rpcbind = track(child);
    await waitFor(() => this.answers('portmapper', 2, 'u'), `rpcbind on ${this.name}`, 10_000);
    if (this.options.statdDir !== undefined) await this.startStatd(this.options.statdDir);
  }

  /**
   * Start `command` in rpcbind's network and mount namespaces (nsenter execs it, so the PID we keep is the daemon's),
   * its output appended to `logName` in this server's directory.
   */
  private spawnInside(logName: string, command: readonly string[]): Tracked {
    const log = openSync(join(this.dir, logName), 'a');
    const child = spawn('nsenter', ['-t', String(this.rpcbind!.pid), '-m', '-n', ...command], {
      stdio: ['ignore', log, log],
    });
    closeSync(log); // the child has its own copy
    return track(child);
  }

  /** rpc.statd (foreground, no notify: the takeover runs notify itself) on `dir`, in rpcbind's namespaces. */
  async startStatd(dir: string): Promise<void> {
    await this.stopStatd();
    const name = this.options.statdName ?? FLOATING;
    this.statd = this.spawnInside('statd.log', ['rpc.statd', '-F', '-d', '-L', '--no-notify', '-n', name, '-P', dir]);
    await waitFor(() => this.answers('status', 1, 'u'), `rpc.statd on ${this.name}`, 10_000);
  }

  async stopStatd(): Promise<void> {
    await this.statd?.kill('SIGKILL');
    this.statd = undefined;
  }

  /** Does `rpcinfo` from the bridge reach PROGRAM VERSION on this server's own address? */
  async answers(program: string, version: number, transport: 'u' | 't'): Promise<boolean> {
    try {
      await runAsync('timeout', ['1', 'rpcinfo', `-${transport}`, this.address, program, String(version)]);
      return true;
    } catch {
      return false;
    }
  }

  /** ganesha in rpcbind's namespaces (nsenter execs it: the PID we keep is ganesha's); ready when MOUNT and NFS answer. */
  async startGanesha(): Promise<void> {
    if (this.rpcbind === undefined) await this.startRpcbind();
    this.starts++;
    const recovery = this.options.recoveryRoot ?? join(this.dir, 'recovery');
    mkdirSync(recovery, { recursive: true });
    const conf = join(this.dir, 'ganesha.conf');
    writeFileSync(
      conf,
      `NFS_CORE_PARAM { Protocols = 3, 4; Enable_RQUOTA = false; MNT_Port = 20048; NLM_Port = 20049; }
NFSV4 { RecoveryRoot = ${recovery}; ${this.options.nfsv4 ?? 'Graceless = true;'} }
EXPORT {
  Export_Id = ${this.options.exportId ?? 1}; Path = ${this.options.exportDir}; Pseudo = ${this.options.pseudo ?? '/export'}; Access_Type = RW;
  Squash = No_Root_Squash; Protocols = 3, 4; Transports = UDP, TCP; SecType = sys;
  FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
`,
    );
    this.ganeshaProcess = this.spawnInside(`ganesha-${this.starts}.out`, [
      'ganesha.nfsd',
      '-F',
      '-f',
      conf,
      '-L',
      join(this.dir, `ganesha-${this.starts}.log`),
      '-p',
      join(this.dir, 'ganesha.pid'),
      '-N',
      'NIV_EVENT',
    ]);
    await waitFor(
      async () =>
        (await this.answers('mountd', 3, 'u')) &&
        (await this.answers('nfs', 3, 't')) &&
        (this.options.statdDir === undefined || (await this.answers('nlockmgr', 4, 'u'))),
      `ganesha on ${this.name}`,
      30_000,
      200,
    );
  }

  /**
   * Change the options the next start uses: nfsv4, exportId, recoveryRoot at startGanesha; statdDir at startStatd;
   * the storage options at startRpcbind.
   */
  configure(changes: Partial<ServerOptions>): void {
    this.options = { ...this.options, ...changes };
  }

  /** A crash: SIGKILL (SIGTERM makes ganesha take tens of seconds). */
  async killGanesha(): Promise<void> {
    await this.ganeshaProcess?.kill('SIGKILL');
    this.ganeshaProcess = undefined;
  }

  async stop(): Promise<void> {
    await this.killGanesha();
    await this.stopStatd();
    await this.rpcbind?.kill('SIGKILL');
    this.rpcbind = undefined;
  }

  /** Loop-mount `image` over the export directory in this server's mount namespace (before startGanesha). */
  async mountImage(image: string): Promise<void> {
    await this.exec('mount', ['-o', 'loop', image, this.options.exportDir]);
  }

  /** Run a command in this server's network and mount namespaces. */
  exec(command: string, args: readonly string[]): Promise<string> {
    return runAsync('nsenter', ['-t', String(this.rpcbind!.pid), '-m', '-n', command, ...args]);
  }

  ganeshaLog(): string {
    try {
      return readFileSync(join(this.dir, `ganesha-${this.starts}.log`), 'utf8');
    } catch {
      return '';
    }
  }
}

export class FailoverLab {
  readonly servers: Record<ServerName, LabServer>;
  /** Where the floating address is now (undefined while it is on neither server). */
  holder: ServerName | undefined;

  private constructor(servers: Record<ServerName, LabServer>) {
    this.servers = servers;
  }

  /**
   * The bridge, both network namespaces and rpcbind on each (call inside enterLab). Servers' ganesha are started by
   * the test (`lab.servers.A.startGanesha()`); everything is stopped in t.teardown.
   */
  static async create(t: Test, a: ServerOptions, b: ServerOptions = a): Promise<FailoverLab> {
    const root = mkdtempSync(join(tmpdir(), 'nfsprobe-failover-'));
    execFileSync('mkdir', ['-p', '/run/netns']);
    const ip = (...args: string[]) => execFileSync('ip', args);
    ip('link', 'add', 'br0', 'type', 'bridge');
    ip('addr', 'add', `${BRIDGE_ADDRESS}/${PREFIX}`, 'dev', 'br0');
    ip('link', 'set', 'br0', 'up');
    const servers = {} as Record<ServerName, LabServer>;
    for (const [name, options] of [
      ['A', a],
      ['B', b],
    ] as const) {
      const dir = join(root, name);
      mkdirSync(dir);
      const server = new LabServer(name, options, dir);
      const ns = server.netns;
      ip('netns', 'add', ns);
      ip('link', 'add', `veth${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', `veth${name}`, 'master', 'br0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'addr', 'add', `${server.address}/${PREFIX}`, 'dev', 'eth0');
      servers[name] = server;
    }
    const lab = new FailoverLab(servers);
    t.teardown(async () => {
      await Promise.all([lab.servers.A.stop(), lab.servers.B.stop()]);
    });
    await Promise.all([servers.A.startRpcbind(), servers.B.startRpcbind()]);
    return lab;
  }

  /** Put the floating address on `name` (it must be on neither server). */
  async addAddress(name: ServerName): Promise<void> {
    await runAsync('ip', ['-n', this.servers[name].netns, 'addr', 'add', `${FLOATING}/${PREFIX}`, 'dev', 'eth0']);
    await runAsync('ip', ['neigh', 'flush', 'dev', 'br0']);
    this.holder = name;
  }

  /** Take the floating address away from whichever server has it. */
  async removeAddress(): Promise<void> {
    if (this.holder === undefined) return;
    await runAsync('ip', [
      '-n',
      this.servers[this.holder].netns,
      'addr',
      'del',
      `${FLOATING}/${PREFIX}`,
      'dev',
      'eth0',
    ]);
    this.holder = undefined;
  }

  /** Move the floating address to `name` at once (del + add + neighbour flush). */
  async moveTo(name: ServerName): Promise<void> {
    await this.removeAddress();
    await this.addAddress(name);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The lab on shared storage: A and B export the same directory, both ganeshas run (B's started a second later, so
 * its write verifier, which comes from its start time, differs), and the floating address is on A.
 */
export async function sharedStorageLab(t: Test): Promise<{ lab: FailoverLab; exportDir: string; spec: string }> {
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-shared-')), 'export');
  mkdirSync(exportDir, { recursive: true });
  const lab = await FailoverLab.create(t, { exportDir });
  await lab.servers.A.startGanesha();
  await sleep(1100);
  await lab.servers.B.startGanesha();
  await lab.addAddress('A');
  return { lab, exportDir, spec: `${FLOATING}:${exportDir}` };
}
