// Shared pieces of the NLM interop tests: ganesha with NLM (rpc.statd must already run, lab.md), a file handle by
// MOUNT + LOOKUP, and the CLI started in the background (for --hold and Ctrl-C).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { connect } from '../../src/nfs/connect.js';
import { bin, root } from '../helpers/cli.js';
import { type Daemon, run, startDaemon, waitFor } from '../lab/namespace.js';

export const NLM_PORT = 20049;

/** ganesha (NFSv3 + NLM + NFSv4) exporting `exportDir` at the same pseudo path; `nfsv4` is the NFSV4 block body. */
export async function startNlmGanesha(t: Test, exportDir: string, nfsv4: string): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-nlm-ganesha-'));
  const conf = join(dir, 'ganesha.conf');
  writeFileSync(
    conf,
    `NFS_CORE_PARAM { Protocols = 3, 4; Enable_RQUOTA = false; Enable_NLM = true;
  NFS_Port = 2049; MNT_Port = 20048; NLM_Port = ${NLM_PORT}; }
NFSV4 { ${nfsv4} }
EXPORT {
  Export_Id = 11; Path = ${exportDir}; Pseudo = ${exportDir}; Access_Type = RW;
  Squash = No_Root_Squash; Protocols = 3, 4; Transports = UDP, TCP; SecType = sys;
  FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
`,
  );
  const daemon = startDaemon(t, 'ganesha.nfsd', [
    '-F',
    '-f',
    conf,
    '-L',
    join(dir, 'ganesha.log'),
    '-p',
    join(dir, 'pid'),
    '-N',
    'NIV_EVENT',
  ]);
  await waitFor(
    () => {
      try {
        run('timeout', ['2', 'rpcinfo', '-u', '127.0.0.1', 'nlockmgr', '4']);
        run('timeout', ['2', 'rpcinfo', '-u', '127.0.0.1', 'mountd', '3']);
        run('timeout', ['2', 'rpcinfo', '-t', '127.0.0.1', 'nfs', '4']);
        return true;
      } catch {
        return false;
      }
    },
    'ganesha to answer NLM, MOUNT and NFSv4',
    30_000,
  );
  return daemon;
}

/** The NFSv3 handle of `exportDir/name` (MOUNT v3 MNT + LOOKUP). */
export async function handleOf(t: Test, exportDir: string, name: string): Promise<Uint8Array> {
  const conn = connect('127.0.0.1', { timeoutMs: 5000 });
  t.teardown(() => conn.close());
  const mount = await conn.mount(3);
  const mounted = await mount.mnt(exportDir);
  return (await (await conn.nfs3()).lookupPath(mounted.fhandle, name)).handle;
}

export interface Background {
  child: ChildProcess;
  out(): string;
  exit: Promise<number | null>;
}

/** `nfsprobe ARGS` in the background; stopped by PID in teardown if still running. */
export function nfsprobeInBackground(t: Test, args: readonly string[]): Background {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, out: () => out, exit };
}
