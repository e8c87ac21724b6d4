// Runs the built CLI (bin/nfsprobe.js -> dist) from tests. The build happens once per test process, under a lock
// directory, so test files running in parallel never execute a half-written dist/.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = join(root, 'bin', 'nfsprobe.js');
const lock = join(root, 'dist.build-lock');

let built: { status: number | null; output: string } | undefined;

/** `tsc -p tsconfig.build.json` once, holding the lock (a stale lock older than 2 minutes is taken over). */
export function buildCli(): { status: number | null; output: string } {
  if (built !== undefined) return built;
  // `npm test` builds once before tap starts (see package.json); rebuilding here while another test file runs the
  // CLI would swap dist/ under it.
  if (process.env.NFSPROBE_PREBUILT === '1') {
    built = { status: 0, output: '' };
    return built;
  }
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`could not take the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
    built = { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmdirSync(lock);
  }
  return built;
}

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Run `nfsprobe ARGS` asynchronously (an RpcServer in this process keeps answering meanwhile). */
export function nfsprobe(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}
