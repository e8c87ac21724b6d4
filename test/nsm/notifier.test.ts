// notifyAll against a fleet of simulated clients on 127.x.y.z (no namespace needed: the fleet uses a free high
// port as its "rpcbind" port on every address, passed as rpcbindPort).
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fleetAddress, startFleet } from '../../bench/nsm-fleet.js';
import { notifyAll } from '../../src/nsm/index.js';
import { tempDir } from '../helpers/temp.js';
import { tempStatd } from './helpers.js';

const fast = { firstTimeoutMs: 300, retransmitMs: 100, kernelStatePath: null, privilegedPort: false } as const;

t.test(
  'every reachable client is notified once with our name and the new state; failures stay in sm.bak',
  async (t) => {
    const addresses = Array.from({ length: 40 }, (_, i) => fleetAddress(i + 1000));
    // 0-29 answer, 30-34 have rpcbind but no statd, 35-39 do not exist.
    const fleet = await startFleet(addresses, { mode: (i) => (i < 30 ? 'ok' : i < 35 ? 'no-statd' : 'silent') });
    t.teardown(() => fleet.close());
    const sd = tempStatd();
    for (const a of addresses) await sd.addRecord({ monName: a, myName: 'node1' });
    await sd.addRecord({ monName: 'x', host: 'no-such-host.invalid', myName: 'node1' });
    const hosts: string[] = [];
    const report = await notifyAll({
      directory: sd,
      monNames: ['foo-ha'],
      rpcbindPort: fleet.port,
      retryDeadlineMs: 1500,
      ...fast,
      onHost: (h) => hosts.push(h.name),
    });
    t.equal(report.state, 3, 'fresh directory: state 3');
    t.equal(await sd.readState(), 3);
    t.equal(report.monName, 'foo-ha');
    t.equal(report.hosts.length, 41);
    t.equal(hosts.length, 41, 'onHost per host');
    t.equal(report.notified, 30);
    t.equal(report.failed, 11);
    const byName = new Map(report.hosts.map((h) => [h.name, h]));
    for (let i = 0; i < 40; i++) {
      const h = byName.get(addresses[i]!)!;
      const expected = i < 30 ? 'notified' : i < 35 ? 'no-statd' : 'unreachable';
      t.equal(h.status, expected, `${h.name} ${expected}`);
      if (i < 30) {
        t.equal(h.port, fleet.port);
        t.ok(h.attempts >= 2, 'GETPORT + SM_NOTIFY counted');
        t.type(h.rttMs, 'number');
      }
    }
    t.equal(byName.get('no-such-host.invalid')!.status, 'unresolved');
    // UDP: a retransmitted call may arrive twice; every reachable host got it at least once, nobody else did.
    t.equal(new Set(fleet.notifications.map((n) => n.address)).size, 30, 'SM_NOTIFY reached every reachable host');
    t.ok(fleet.notifications.length < 60, 'no storm of retransmissions');
    for (const n of fleet.notifications) {
      t.equal(n.monName, 'foo-ha');
      t.equal(n.state, 3);
    }
    t.same(new Set(fleet.notifications.map((n) => n.address)), new Set(addresses.slice(0, 30)));
    t.same(readdirSync(join(sd.path, 'sm')), [], 'sm/ moved');
    t.same(
      readdirSync(join(sd.path, 'sm.bak')).sort(),
      [...addresses.slice(30), 'no-such-host.invalid'].sort(),
      'exactly the records of clients not notified remain in sm.bak/',
    );
  },
);

t.test('announces each record my_name by default; --short-name adds the short form; -n keeps the state', async (t) => {
  const addresses = [fleetAddress(2000), fleetAddress(2001)];
  const fleet = await startFleet(addresses);
  t.teardown(() => fleet.close());
  const sd = tempStatd();
  await sd.writeState(9);
  await sd.addRecord({ monName: addresses[0]!, myName: 'srv.example.com' });
  await sd.addRecord({ monName: addresses[0]!, myName: 'other' });
  await sd.addRecord({ monName: addresses[1]!, myName: 'srv.example.com' });
  const report = await notifyAll({
    directory: sd.path,
    updateState: false,
    alsoShortName: true,
    rpcbindPort: fleet.port,
    retryDeadlineMs: 2000,
    ...fast,
  });
  t.equal(report.state, 9, 'state not bumped');
  t.equal(await sd.readState(), 9);
  t.equal(report.monName, undefined);
  t.equal(report.notified, 2);
  const names = (a: string) =>
    fleet.notifications
      .filter((n) => n.address === a)
      .map((n) => n.monName)
      .sort();
  t.same(names(addresses[0]!), ['other', 'srv', 'srv.example.com']);
  t.same(names(addresses[1]!), ['srv', 'srv.example.com']);
  t.same(readdirSync(join(sd.path, 'sm.bak')), []);
});

t.test('explicit state; dry run changes nothing and sends nothing', async (t) => {
  const addresses = [fleetAddress(2100)];
  const fleet = await startFleet(addresses);
  t.teardown(() => fleet.close());
  const sd = tempStatd();
  await sd.writeState(5);
  await sd.addRecord({ monName: addresses[0]!, myName: 'n' });
  const dry = await notifyAll({ directory: sd, dryRun: true, rpcbindPort: fleet.port, ...fast });
  t.equal(dry.dryRun, true);
  t.equal(dry.state, 7, 'would bump 5 -> 7');
  t.equal(dry.hosts[0]!.status, 'skipped');
  t.equal(dry.failed, 0);
  t.equal(await sd.readState(), 5, 'state untouched');
  t.same(readdirSync(join(sd.path, 'sm')), [addresses[0]], 'sm/ untouched');
  t.equal(fleet.notifications.length, 0, 'nothing sent');
  await t.rejects(notifyAll({ directory: sd, state: 8, ...fast }), { code: 'BAD_STATE' });
  const report = await notifyAll({
    directory: sd,
    state: 101,
    rpcbindPort: fleet.port,
    retryDeadlineMs: 2000,
    ...fast,
  });
  t.equal(report.state, 101);
  t.equal(await sd.readState(), 101, 'explicit state written');
  t.equal(fleet.notifications[0]!.state, 101);
});

t.test('nobody to notify: lockd grace lifted (switchable), state not bumped', async (t) => {
  const sd = tempStatd();
  await sd.writeState(5);
  const grace = join(tempDir('nfsprobe-grace-'), 'nlm_end_grace');
  writeFileSync(grace, '');
  const off = await notifyAll({ directory: sd, liftGrace: false, nlmEndGracePath: grace, ...fast });
  t.equal(off.graceLifted, false);
  t.equal(readFileSync(grace, 'utf8'), '');
  const report = await notifyAll({ directory: sd, nlmEndGracePath: grace, ...fast });
  t.equal(report.graceLifted, true);
  t.equal(readFileSync(grace, 'utf8'), 'Y');
  t.equal(report.state, 5);
  t.equal(await sd.readState(), 5, 'sm-notify does not bump the state when nobody is monitored');
  t.equal(report.hosts.length, 0);
  const fresh = tempStatd();
  await notifyAll({ directory: fresh, liftGrace: false, ...fast });
  t.same(readdirSync(fresh.path).sort(), ['sm', 'sm.bak'], 'no state file created when nobody is monitored');
});

t.test('a second notifier on the same directory is refused while the first runs', async (t) => {
  const sd = tempStatd();
  const lock = await sd.lock();
  await t.rejects(notifyAll({ directory: sd, lockWaitMs: 0, ...fast }), { code: 'LOCKED' });
  await lock.release();
});

t.test('kernel state file written when present', async (t) => {
  const addresses = [fleetAddress(2200)];
  const fleet = await startFleet(addresses);
  t.teardown(() => fleet.close());
  const sd = tempStatd();
  await sd.addRecord({ monName: addresses[0]!, myName: 'n' });
  const kernel = join(tempDir('nfsprobe-k-'), 'nsm_local_state');
  writeFileSync(kernel, '0\n');
  await notifyAll({ directory: sd, rpcbindPort: fleet.port, ...fast, kernelStatePath: kernel });
  t.equal(readFileSync(kernel, 'utf8'), '3\n');
});

t.test('sourcePort (sm-notify -p): every datagram leaves from that port; a busy port is BIND_FAILED', async (t) => {
  const addresses = [fleetAddress(2300), fleetAddress(2301), fleetAddress(2302)];
  const fleet = await startFleet(addresses);
  t.teardown(() => fleet.close());
  const sd = tempStatd();
  for (const a of addresses) await sd.addRecord({ monName: a, myName: 'n' });
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  // Held: the notifier cannot bind it, and nothing is moved or lost.
  await t.rejects(
    notifyAll({ directory: sd, rpcbindPort: fleet.port, ...fast, sourceAddress: '127.0.0.1', sourcePort: port }),
    { code: 'BIND_FAILED' },
  );
  t.same(readdirSync(join(sd.path, 'sm.bak')).sort(), [...addresses].sort(), 'records kept in sm.bak');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const report = await notifyAll({
    directory: sd,
    rpcbindPort: fleet.port,
    ...fast,
    privilegedPort: true,
    sourceAddress: '127.0.0.1',
    sourcePort: port,
  });
  t.equal(report.notified, 3);
  t.equal(fleet.notifications.length >= 3, true);
  t.same(
    new Set(fleet.notifications.map((n) => n.from)),
    new Set([`127.0.0.1:${port}`]),
    'sent from the port asked for',
  );
});

t.test(
  'silent hosts leave the start window after their first attempt: hosts behind them are still notified',
  async (t) => {
    // concurrency 16 -> a window of 64 hosts in their first attempt. 70 silent hosts sort before 5 reachable ones; if
    // the silent ones kept their places until the deadline, the reachable ones would never start.
    const silent = Array.from({ length: 70 }, (_, i) => fleetAddress(3000 + i));
    const reachable = Array.from({ length: 5 }, (_, i) => fleetAddress(5000 + i));
    t.ok(
      silent.every((a) => reachable.every((r) => a < r)),
      'silent records are scanned first',
    );
    const fleet = await startFleet([...silent, ...reachable], { mode: (i) => (i < 70 ? 'silent' : 'ok') });
    t.teardown(() => fleet.close());
    const sd = tempStatd();
    for (const a of [...silent, ...reachable]) await sd.addRecord({ monName: a, myName: 'n' });
    const report = await notifyAll({
      directory: sd,
      rpcbindPort: fleet.port,
      ...fast,
      concurrency: 16,
      retryDeadlineMs: 1500,
    });
    t.equal(report.notified, 5);
    t.same(new Set(fleet.notifications.map((n) => n.address)), new Set(reachable));
    t.equal(report.hosts.length, 75);
    t.same(
      report.hosts.map((h) => h.name),
      [...silent, ...reachable].sort(),
      'report in record (file name) order',
    );
  },
);

t.test('an abort stops at once: hosts still waiting are reported ABORTED and keep their records', async (t) => {
  // 5 hosts answer, 40 drop everything; the deadline is far away, so only the abort can end the run.
  const addresses = Array.from({ length: 45 }, (_, i) => fleetAddress(4000 + i));
  const fleet = await startFleet(addresses, { mode: (i) => (i < 5 ? 'ok' : 'drop') });
  t.teardown(() => fleet.close());
  const sd = tempStatd();
  for (const a of addresses) await sd.addRecord({ monName: a, myName: 'node1' });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const controller = new AbortController();
  let notified = 0;
  const started = performance.now();
  const run = notifyAll({
    directory: sd,
    monNames: ['foo-ha'],
    rpcbindPort: fleet.port,
    retryDeadlineMs: 60_000,
    ...fast,
    signal: controller.signal,
    // Once the 5 that answer are done, and after the first round timed out (some hosts sleep, some are in calls):
    // tied to progress, not to a clock, so a loaded machine cannot abort before the answers arrived.
    onHost: (h) => {
      if (h.status === 'notified' && ++notified === 5) setTimeout(() => controller.abort(), 400);
    },
  });
  const report = await run;
  t.ok(performance.now() - started < 5000, 'returned soon after the abort, not at the deadline');
  t.equal(report.notified, 5);
  const failed = report.hosts.filter((h) => h.status !== 'notified');
  t.equal(failed.length, 40);
  t.ok(
    failed.every((h) => h.error === 'ABORTED'),
    'every host not notified says ABORTED',
  );
  t.same(readdirSync(join(sd.path, 'sm.bak')).sort(), addresses.slice(5).sort(), 'their records stay in sm.bak/');
  await new Promise((resolve) => setImmediate(resolve));
  t.same(warnings, [], 'no MaxListenersExceededWarning (one abort listener, not one per call or sleeper)');
});
