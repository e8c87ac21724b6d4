// The notify, clients and listen commands end to end (from source, in child processes), in a private namespace
// where a simulated fleet of clients answers on 127.x.y.z port 111: JSON shapes and exit codes of ../shared/CLI.md.
import { createSocket } from 'node:dgram';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fleetAddress, startFleet } from '../../bench/nsm-fleet.js';
import { NsmClient } from '../../src/nsm/index.js';
import { RpcClient } from '../../src/rpc/index.js';
import { enterLab, waitFor } from '../lab/namespace.js';
import { runCli, tempStatd } from './helpers.js';

/** A UDP port that was free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

if (await enterLab(t, import.meta.url, [])) {
  const addresses = Array.from({ length: 6 }, (_, i) => fleetAddress(i + 300));
  // 0-3 answer, 4 has no statd, 5 does not exist.
  const fleet = await startFleet(addresses, {
    port: 111,
    mode: (i) => (i < 4 ? 'ok' : i === 4 ? 'no-statd' : 'silent'),
  });
  t.teardown(() => fleet.close());

  t.test('notify: all reachable -> exit 0 and the JSON contract', async (t) => {
    const dir = tempStatd();
    for (const a of addresses.slice(0, 4)) await dir.addRecord({ monName: a, myName: 'node' });
    await dir.writeState(5);
    const port = await freeUdpPort();
    const r = await runCli(['notify', '-d', '-f', '-P', dir.path, '-v', '127.0.0.1', '-p', String(port), '--json']);
    t.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    t.equal(doc.stateDir, dir.path);
    t.equal(doc.state, 7);
    t.equal(doc.monName, '127.0.0.1');
    t.equal(doc.notified, 4);
    t.equal(doc.failed, 0);
    t.equal(doc.hosts.length, 4);
    for (const h of doc.hosts) {
      t.equal(h.status, 'notified');
      t.equal(h.port, 111);
      t.type(h.attempts, 'number');
      t.type(h.rttMs, 'number');
      t.type(h.address, 'string');
    }
    const ours = fleet.notifications.filter((n) => n.monName === '127.0.0.1' && n.state === 7);
    t.equal(new Set(ours.map((n) => n.address)).size, 4);
    t.same(
      new Set(ours.map((n) => n.from)),
      new Set([`127.0.0.1:${port}`]),
      '-p: sent from that port (and -v address)',
    );
    t.same(r.stderr, '', 'no warning');
  });

  t.test('notify: nfs.conf [sm-notify] outgoing-port is the source port', async (t) => {
    const dir = tempStatd();
    await dir.addRecord({ monName: addresses[0]!, myName: 'node' });
    const port = await freeUdpPort();
    const conf = join(dir.path, 'nfs.conf');
    writeFileSync(conf, `[sm-notify]\n outgoing-port = ${port}\n`);
    const r = await runCli(['notify', '-P', dir.path, '--nfs-conf', conf, '--name', 'conf-port', '--json']);
    t.equal(r.code, 0, r.stderr);
    const ours = fleet.notifications.filter((n) => n.monName === 'conf-port');
    t.ok(ours.length >= 1);
    t.same(new Set(ours.map((n) => n.from.split(':')[1])), new Set([String(port)]));
  });

  t.test('notify: some not notified -> exit 1, listed; records kept', async (t) => {
    const dir = tempStatd();
    for (const a of addresses) await dir.addRecord({ monName: a, myName: 'node' });
    const r = await runCli(['notify', '-P', dir.path, '--name', 'srv-ha', '-m', '0.02']);
    t.equal(r.code, 1, r.stderr);
    t.match(r.stdout, /4 notified, 2 not notified: /);
    t.match(r.stdout, new RegExp(addresses[4]!.replace(/\./g, '\\.')));
    t.match(r.stdout, /no-statd/);
    t.match(r.stdout, /unreachable/);
    t.same(readdirSync(join(dir.path, 'sm.bak')).sort(), [addresses[4], addresses[5]].sort());
  });

  t.test('notify: bad input -> exit 2, nothing done', async (t) => {
    const dir = tempStatd();
    await dir.addRecord({ monName: addresses[0]!, myName: 'node' });
    for (const args of [
      ['-P', '/nonexistent/statd'],
      ['-P', dir.path, '--state', '4'],
      ['-P', dir.path, '-m', 'soon'],
      ['-P', dir.path, '-p', '70000'],
      ['-P', dir.path, '--source', 'not-an-ip'],
    ]) {
      const r = await runCli(['notify', ...args]);
      t.equal(r.code, 2, `${args.join(' ')}: ${r.stderr.trim()}`);
      t.match(r.stderr, /^nfsprobe: /);
    }
    t.same(readdirSync(join(dir.path, 'sm')), [addresses[0]], 'untouched');
    const dry = await runCli(['notify', '-P', dir.path, '--dry-run', '--json']);
    t.equal(dry.code, 0);
    t.equal(JSON.parse(dry.stdout).hosts[0].status, 'skipped');
  });

  t.test('clients: lists sm/ and sm.bak/, probes each', async (t) => {
    const dir = tempStatd();
    await dir.addRecord({ monName: addresses[0]!, myName: 'node' });
    await dir.addRecord({ monName: addresses[5]!, myName: 'node' });
    await dir.addRecord({ monName: addresses[4]!, myName: 'node' }, 'sm.bak');
    const r = await runCli(['--timeout', '500ms', 'clients', '-P', dir.path, '--json']);
    t.equal(r.code, 1, 'some clients are not up');
    const doc = JSON.parse(r.stdout);
    t.equal(doc.stateDir, dir.path);
    const by = Object.fromEntries(doc.clients.map((c: { name: string }) => [c.name, c]));
    t.match(by[addresses[0]!], { status: 'up', list: 'sm', statdPort: 111, address: addresses[0] });
    t.type(by[addresses[0]!].rttMs, 'number');
    t.match(by[addresses[5]!], { status: 'down', list: 'sm' });
    t.match(by[addresses[4]!], { status: 'no-statd', list: 'sm.bak' });
    const human = await runCli(['clients', '-P', dir.path, '--no-probe']);
    t.equal(human.code, 0);
    t.match(human.stdout, /3 monitored client/);
  });

  t.test('listen: prints each SM_NOTIFY, one JSON object per line', async (t) => {
    const port = 40123;
    const child = runCli(['listen', '--address', '127.0.0.1', '--port', String(port), '--count', '2', '--json']);
    const client = new NsmClient(new RpcClient({ host: '127.0.0.1', port, transport: 'udp', timeoutMs: 500 }));
    t.teardown(() => client.close());
    await waitFor(async () => {
      await client.ping();
      return true;
    }, 'the listener to answer');
    await client.notify({ monName: 'server-a', state: 3 });
    await client.notify({ monName: 'server-b', state: 5 });
    const r = await child;
    t.equal(r.code, 0, r.stderr);
    const [listening, ...events] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.match(listening, { event: 'listening', address: '127.0.0.1', port });
    t.equal(events.length, 2);
    t.match(events[0], { event: 'SM_NOTIFY', monName: 'server-a', state: 3, from: /^127\.0\.0\.1:\d+$/ });
    t.match(events[1], { monName: 'server-b', state: 5 });
    t.ok(!Number.isNaN(Date.parse(events[0].at)));
    const bad = await runCli(['listen', '--port', '99999']);
    t.equal(bad.code, 2);
  });
}
