// Runs `nfsprobe listen` as users run it (bin/nfsprobe.js, the built CLI) for the listen tests, and watches it.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Test } from 'tap';
import { bin, buildCli } from '../helpers/cli.js';
import { waitFor } from '../lab/namespace.js';

export interface Listen {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The port from the first JSON line (--json) or the stderr banner (text). */
  port: () => Promise<number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `nfsprobe listen ARGS` (killed in teardown if still running). */
export function startListen(t: Test, args: readonly string[]): Listen {
  const build = buildCli();
  if (build.status !== 0) throw new Error(`build failed: ${build.output}`);
  const child = spawn(process.execPath, [bin, 'listen', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  t.teardown(async () => {
    if (!exited) {
      child.kill('SIGKILL');
      await exit;
    }
  });
  const port = () =>
    waitFor(
      () => {
        if (exited) throw new Error(`listen exited early: ${err}`);
        const banner = /listening for SM_NOTIFY on \S+ port (\d+)/.exec(err);
        return banner === null ? undefined : Number(banner[1]);
      },
      'the listening banner',
      20_000,
    );
  return { child, stdout: () => out, stderr: () => err, port, exit };
}
