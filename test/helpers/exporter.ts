// Start `nfsprobe exporter` (the built CLI) as a child process on a free port, scrape it, stop it by PID with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Test } from 'tap';
import { bin, root } from './cli.js';
import { type Family, parseExposition } from './prometheus.js';

export interface RunningExporter {
  readonly child: ChildProcess;
  readonly base: string;
  stderr(): string;
  /** SIGTERM; resolves with the exit code and the time it took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/** `nfsprobe [global...] exporter --listen 127.0.0.1:0 --json ARGS`; resolves once it listens. */
export function startExporter(
  t: Test,
  args: readonly string[],
  global: readonly string[] = [],
): Promise<RunningExporter> {
  const child = spawn(process.execPath, [bin, ...global, 'exporter', '--listen', '127.0.0.1:0', '--json', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    const t0 = performance.now();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const code = await exited;
    return { code, ms: performance.now() - t0 };
  };
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      const line = out.split('\n')[0]!;
      if (!out.includes('\n')) return;
      const doc = JSON.parse(line) as { port: number };
      resolve({ child, base: `http://127.0.0.1:${doc.port}`, stderr: () => err, stop });
    });
    void exited.then((code) => reject(new Error(`the exporter exited (${code}) before listening: ${err}`)));
  });
}

/** GET `url`; the body and its timing. */
export async function get(url: string): Promise<{ status: number; type: string; body: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body, ms: performance.now() - t0 };
}

export async function scrape(base: string): Promise<Map<string, Family> & { types: Map<string, string> }> {
  const r = await get(`${base}/metrics`);
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return parseExposition(r.body);
}
