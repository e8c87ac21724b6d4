// bench/startup: wall-clock time of a fresh `nfsprobe` process (the takeover hook is started anew at every failover),
// against a bare `node -e 0` baseline. Nothing leaves the machine: the notify runs use an empty temporary statd
// directory and do not lift lockd's grace period. Times the built CLI in dist/ through bin/nfsprobe.js: run
// `npm run build` first.
// `NFSPROBE_STARTUP_RUNS=50 npm run bench -- startup` for more runs.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'nfsprobe.js');
const RUNS = Number(process.env.NFSPROBE_STARTUP_RUNS ?? 20);

interface Case {
  name: string;
  args: string[];
  /** Checked once before timing: the command does what it should. */
  expect: (status: number | null, stdout: string) => boolean;
}

function once(args: string[]): { ms: number; status: number | null; stdout: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, status: r.status, stdout: r.stdout };
}

export async function run(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    process.stdout.write('skipped: dist/ is not built (npm run build)\n');
    return;
  }
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const stateDir = mkdtempSync(join(tmpdir(), 'nfsprobe-startup-'));
  mkdirSync(join(stateDir, 'sm'));
  mkdirSync(join(stateDir, 'sm.bak'));
  const cases: Case[] = [
    { name: 'node -e 0 (baseline)', args: ['-e', '0'], expect: (s) => s === 0 },
    { name: '--version', args: [BIN, '--version'], expect: (s, out) => s === 0 && out.trim() === version },
    {
      name: 'notify --help',
      args: [BIN, 'notify', '--help'],
      expect: (s, out) => s === 0 && out.includes('sm-notify'),
    },
    {
      name: 'fh decode HEX',
      args: [BIN, 'fh', 'decode', '0100000000160002f3f03d00'],
      expect: (s, out) => s === 0 && out.includes('knfsd'),
    },
    {
      name: 'notify --dry-run (nobody)',
      args: [BIN, 'notify', '--dry-run', '-P', stateDir, '--nfs-conf', '/nonexistent', '--json'],
      expect: (s, out) => s === 0 && (JSON.parse(out) as { hosts: unknown[] }).hosts.length === 0,
    },
    {
      // The whole takeover run when no client holds locks: lock the directory, move sm/ to sm.bak/, find nobody.
      name: 'notify (nobody)',
      args: [BIN, 'notify', '-P', stateDir, '--nfs-conf', '/nonexistent', '--no-lift-grace', '--json'],
      expect: (s, out) => s === 0 && (JSON.parse(out) as { hosts: unknown[] }).hosts.length === 0,
    },
  ];
  try {
    for (const c of cases) {
      const first = once(c.args);
      if (!c.expect(first.status, first.stdout)) {
        throw new Error(`${c.name}: unexpected result (exit ${first.status}): ${first.stdout.slice(0, 200)}`);
      }
    }
    // Round robin, so that a slow spell of the machine falls on every case alike.
    const times: number[][] = cases.map(() => []);
    for (let i = 0; i < RUNS; i++) {
      for (const [k, c] of cases.entries()) times[k]!.push(once(c.args).ms);
    }
    const rows = cases.map((c, k) => {
      const sorted = times[k]!.sort((a, b) => a - b);
      return { name: c.name, median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]! };
    });
    const base = rows[0]!;
    process.stdout.write(`${RUNS} runs each, wall clock of the whole process\n`);
    for (const r of rows) {
      const extra = r === base ? '' : `  (+${(r.median - base.median).toFixed(1)} ms over the baseline median)`;
      process.stdout.write(
        `${r.name.padEnd(28)} median ${r.median.toFixed(1).padStart(6)} ms  min ${r.min.toFixed(1).padStart(6)} ms${extra}\n`,
      );
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
