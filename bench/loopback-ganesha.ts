// For the benches that need a real NFS server: re-run a bench module inside a private network + mount namespace
// (`unshare -n -m`), and there start rpcbind and nfs-ganesha on that namespace's loopback. Needs root.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Run `module`'s export `inner()` in a new namespace (false, after saying why, when this machine cannot). The
 * module's own `run()` calls this with its `import.meta.url` path.
 */
export function runInNamespace(module: string): boolean {
  if (process.getuid?.() !== 0 || !['unshare', 'rpcbind', 'ganesha.nfsd', 'ip'].every(have)) {
    process.stdout.write('skipped: needs root, unshare, ip, rpcbind and ganesha.nfsd\n');
    return false;
  }
  const script = `import(${JSON.stringify(`file://${module}`)}).then((m) => m.inner())`;
  const r = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', process.execPath, '-e', script], {
    stdio: 'inherit',
    timeout: 180_000,
  });
  if (r.status !== 0) process.stdout.write(`the namespaced run failed (status ${r.status})\n`);
  return r.status === 0;
}

function answers(): boolean {
  return spawnSync('timeout', ['1', 'rpcinfo', '-t', '127.0.0.1', 'nfs', '3']).status === 0;
}

/** Inside the namespace: rpcbind and ganesha on loopback, `body(exportDir)`, then both killed. */
export async function withLoopbackGanesha(body: (exportDir: string) => Promise<void>): Promise<void> {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', '/run']);
  mkdirSync('/run/rpcbind', { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-bench-'));
  const exportDir = join(dir, 'export');
  mkdirSync(exportDir);
  writeFileSync(
    join(dir, 'ganesha.conf'),
    `NFS_CORE_PARAM { Protocols = 3, 4; Enable_RQUOTA = false; MNT_Port = 20048; NLM_Port = 20049; }
NFSV4 { Graceless = true; RecoveryRoot = ${dir}/recovery; }
EXPORT { Export_Id = 1; Path = ${exportDir}; Pseudo = /export; Access_Type = RW; Squash = No_Root_Squash;
  Protocols = 3, 4; Transports = UDP, TCP; SecType = sys; FSAL { Name = VFS; } }
LOG { Default_Log_Level = EVENT; }
`,
  );
  const children: ChildProcess[] = [
    spawn('rpcbind', ['-f', '-w'], { stdio: 'ignore' }),
    spawn(
      'ganesha.nfsd',
      ['-F', '-f', join(dir, 'ganesha.conf'), '-L', join(dir, 'ganesha.log'), '-p', join(dir, 'g.pid')],
      { stdio: 'ignore' },
    ),
  ];
  try {
    const deadline = Date.now() + 30_000;
    while (!answers()) {
      if (Date.now() > deadline) throw new Error('ganesha did not come up');
      await sleep(200);
    }
    await body(exportDir);
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
