// Interop with the real sm-notify (nfs-utils) in a private namespace: it notifies our NsmListener (registered with
// rpcbind as status), and our notifier and sm-notify leave the same directory behind.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { NsmListener, type NsmNotifyEvent, notifyAll, StatdDirectory } from '../../src/nsm/index.js';
import { tempDir } from '../helpers/temp.js';
import { enterLab, makeStatdDir, startRpcbind } from '../lab/namespace.js';

/** Run sm-notify to completion (it exits when every host answered); returns its log. */
function smNotify(args: string[]): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve) => {
    const child = spawn('sm-notify', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}

/**
 * A statd directory with `count` records, my_name node-i, and state `state`. Hosts are 127.0.0.(10+i), or with
 * `named` the names client-i, which the namespace's /etc/hosts maps to 127.0.0.1: a Node UDP server bound to the
 * wildcard address (no IP_PKTINFO in Node) answers from the kernel's choice of source, and our notifier, like any
 * careful RPC client, only takes replies from the address it called.
 */
async function fill(count: number, state: number, named = false): Promise<StatdDirectory> {
  const dir = new StatdDirectory(makeStatdDir());
  for (let i = 0; i < count; i++) {
    await dir.addRecord({ monName: named ? `client-${i}` : `127.0.0.${10 + i}`, myName: `node-${i}` });
  }
  await dir.writeState(state);
  return dir;
}

function snapshot(dir: StatdDirectory): { sm: string[]; bak: string[]; state: string } {
  return {
    sm: readdirSync(join(dir.path, 'sm')).sort(),
    bak: readdirSync(join(dir.path, 'sm.bak')).sort(),
    state: readFileSync(dir.statePath).toString('hex'),
  };
}

if (await enterLab(t, import.meta.url, ['rpcbind', 'sm-notify', 'rpcinfo'])) {
  // Private /etc/hosts (this is a private mount namespace): client-0..client-19 are all 127.0.0.1.
  const hosts = join(tempDir('nfsprobe-hosts-'), 'hosts');
  const names = Array.from({ length: 20 }, (_, i) => `client-${i}`).join(' ');
  writeFileSync(hosts, `127.0.0.1 localhost ${names}\n`);
  execFileSync('mount', ['--bind', hosts, '/etc/hosts']);
  await startRpcbind(t);
  const listener = new NsmListener();
  await listener.listen({ address: '0.0.0.0', transports: ['udp'] });
  await listener.register();
  t.teardown(() => listener.close());
  const events: NsmNotifyEvent[] = [];
  listener.on('notify', (e) => events.push(e));

  t.test(
    'sm-notify -d -f -P DIR -v localhost -> NsmListener: every record arrives with the name and state',
    async (t) => {
      events.length = 0;
      const dir = await fill(20, 5);
      const { code, log } = await smNotify(['-d', '-f', '-P', dir.path, '-v', 'localhost']);
      t.equal(code, 0, `sm-notify exit (log tail: ${log.slice(-300)})`);
      t.equal(events.length, 20, 'one SM_NOTIFY per record');
      for (const e of events) {
        t.equal(e.monName, 'localhost');
        t.equal(e.state, 7, 'state bumped 5 -> 7');
      }
      t.equal(new Set(events.map((e) => e.from)).size >= 1, true);
      t.same(snapshot(dir).bak, [], 'sm-notify emptied sm.bak/');
    },
  );

  t.test('sm-notify without -v announces each record my_name', async (t) => {
    events.length = 0;
    const dir = await fill(12, 9);
    const { code, log } = await smNotify(['-d', '-f', '-P', dir.path]);
    t.equal(code, 0, `sm-notify exit (log tail: ${log.slice(-300)})`);
    t.same(
      events.map((e) => e.monName).sort(),
      Array.from({ length: 12 }, (_, i) => `node-${i}`).sort(),
      'every record, by its my_name',
    );
    t.ok(events.every((e) => e.state === 11));
  });

  t.test('our notifier and sm-notify leave the same sm/, sm.bak/ and state', async (t) => {
    events.length = 0;
    const a = await fill(15, 21, true);
    const b = await fill(15, 21, true);
    const { code } = await smNotify(['-d', '-f', '-P', a.path, '-v', 'localhost']);
    t.equal(code, 0);
    const fromSmNotify = events.splice(0);
    const report = await notifyAll({
      directory: b,
      monNames: ['localhost'],
      kernelStatePath: null,
      retryDeadlineMs: 20_000,
    });
    t.equal(report.notified, 15);
    t.same(snapshot(b), snapshot(a), 'same listings and the same 4 state bytes');
    t.same(
      events.map((e) => `${e.monName}/${e.state}`).sort(),
      fromSmNotify.map((e) => `${e.monName}/${e.state}`).sort(),
      'the listener saw the same notifications from both',
    );
  });
}
