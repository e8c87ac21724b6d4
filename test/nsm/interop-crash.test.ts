// Crash safety: SIGKILL the notifier (a child process) at random points, many times, over hundreds of records with
// some unreachable hosts. After every kill each record is in sm/, sm.bak/ or its host acknowledged SM_NOTIFY, and
// the state file holds a valid odd number.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { fleetAddress, startFleet } from '../../bench/nsm-fleet.js';
import type { StatdDirectory } from '../../src/nsm/index.js';
import { enterLab } from '../lab/namespace.js';
import { buildOnce, tempStatd } from './helpers.js';

// The child: notifyAll on a directory, 'ready' just before it starts, a JSON summary when it finishes.
const CHILD_SOURCE = `import { notifyAll } from './dist/nsm/index.js';
const [directory, rpcbindPort, deadlineMs] = process.argv.slice(2);
process.stdout.write('ready\\n');
const report = await notifyAll({ directory, monNames: ['crash-ha'], rpcbindPort: Number(rpcbindPort),
  retryDeadlineMs: Number(deadlineMs), firstTimeoutMs: 200, retransmitMs: 50, kernelStatePath: null,
  privilegedPort: false, lockWaitMs: 10000 });
process.stdout.write(JSON.stringify({ notified: report.notified, failed: report.failed, state: report.state }) + '\\n');
`;
const RUNS = Number(process.env.NFSPROBE_CRASH_RUNS ?? 40);
const HOSTS = 300;

async function lines(dir: StatdDirectory): Promise<Set<string>> {
  const out = new Set<string>();
  for (const list of ['sm', 'sm.bak'] as const)
    for (const r of await dir.readMonitorList(list)) out.add(`${r.host} ${r.line}`);
  return out;
}

function stateOk(dir: StatdDirectory): number {
  const bytes = readFileSync(dir.statePath);
  if (bytes.length !== 4) throw new Error(`state is ${bytes.length} bytes`);
  return endianness() === 'LE' ? bytes.readInt32LE(0) : bytes.readInt32BE(0);
}

if (await enterLab(t, import.meta.url, [])) {
  const addresses = Array.from({ length: HOSTS }, (_, i) => fleetAddress(i + 5000));
  const fleet = await startFleet(addresses, { mode: (i) => (i % 10 === 7 ? 'silent' : 'ok') });
  t.teardown(() => fleet.close());

  const root = await buildOnce();
  const CHILD = join(root, 'notify-child.js');
  writeFileSync(CHILD, CHILD_SOURCE);
  const childArgv: string[] = [];

  t.test(`SIGKILL at random points, ${RUNS} runs over ${HOSTS} records (10% unreachable)`, async (t) => {
    const dir = tempStatd();
    for (const a of addresses) await dir.addRecord({ monName: a, myName: 'node', priv: new Uint8Array(16).fill(7) });
    await dir.writeState(1);
    const original = await lines(dir);
    t.equal(original.size, HOSTS);
    let lastState = 1;
    let violations = 0;
    for (let run = 0; run < RUNS; run++) {
      // Clients monitor us again between takeovers (as statd records them): 60 random hosts get a line in sm/.
      for (let k = 0; k < 60; k++) {
        const a = addresses[Math.floor(Math.random() * HOSTS)]!;
        await dir.addRecord({ monName: a, myName: `node-${run}` });
      }
      const before = await lines(dir);
      const mark = fleet.notifications.length;
      const child = spawn(process.execPath, [...childArgv, CHILD, dir.path, String(fleet.port), '60000'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('close', () => resolve());
      });
      // Skewed towards early kills: the move, the state bump and the first replies happen in the first ~100 ms.
      const delay = Math.floor(Math.random() ** 2 * 400);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('close', r),
      );
      const after = await lines(dir);
      const acked = new Set(fleet.notifications.slice(mark).map((n) => n.address));
      for (const entry of before) {
        const host = entry.slice(0, entry.indexOf(' '));
        if (!after.has(entry) && !acked.has(host)) {
          violations++;
          t.fail(`run ${run} (killed after ${delay} ms): ${entry} lost without an acknowledgement`);
        }
      }
      const state = stateOk(dir);
      if ((state & 1) !== 1 || state < lastState) {
        violations++;
        t.fail(`run ${run}: state ${state} after ${lastState}`);
      }
      lastState = state;
    }
    t.equal(violations, 0, `no record lost over ${RUNS} SIGKILLs, state always odd and never lower`);
    // A last run to completion (5 s deadline: generous, the machine may be busy with other tests): every reachable
    // host done, the unreachable ones kept.
    const finish = spawn(process.execPath, [...childArgv, CHILD, dir.path, String(fleet.port), '5000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    finish.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((r) => finish.once('close', r));
    const summary = JSON.parse(out.slice(out.indexOf('{'))) as { notified: number; failed: number };
    const left = await dir.readMonitorList('sm.bak');
    t.same(
      [...new Set(left.map((r) => r.host))].sort(),
      addresses.filter((_, i) => i % 10 === 7).sort(),
      'only the unreachable hosts remain, in sm.bak/',
    );
    t.equal(summary.failed, HOSTS / 10);
    t.same(await dir.readMonitorList('sm'), []);
    t.equal(stateOk(dir) & 1, 1);
  });
}
