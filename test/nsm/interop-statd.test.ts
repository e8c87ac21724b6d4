// Interop with the real rpc.statd (nfs-utils) in a private namespace: our NsmClient against it, its record files
// parsed by StatdDirectory, a directory StatdDirectory wrote loaded by it, and our notifier's SM_NOTIFY received by it.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { NLM_PROGRAM, NsmClient, notifyAll, StatdDirectory } from '../../src/nsm/index.js';
import { takeSnapshot } from '../../src/probe/snapshot.js';
import { enterLab, makeStatdDir, startRpcbind, startStatd, waitFor } from '../lab/namespace.js';

if (await enterLab(t, import.meta.url, ['rpcbind', 'rpc.statd', 'rpcinfo'])) {
  await startRpcbind(t);

  t.test('NsmClient SM_STAT/SM_MON/SM_UNMON against rpc.statd; its record file parsed exactly', async (t) => {
    const path = makeStatdDir();
    const statd = await startStatd(t, path);
    const client = await NsmClient.connect({ host: '127.0.0.1', timeoutMs: 5000 });
    t.teardown(() => client.close());
    const stat = await client.stat('127.0.0.9');
    t.equal(stat.state % 2, 1, 'SM_STAT returns an odd state');
    const priv = Uint8Array.from(Buffer.from('66a89ab53b650b00804d729c00000000', 'hex'));
    const myId = { myName: 'nfsprobe-test', myProg: NLM_PROGRAM, myVers: 3, myProc: 16 };
    const res = await client.mon({ monId: { monName: '127.0.0.9', myId }, priv });
    t.same(res, { resStat: 0, state: stat.state }, 'SM_MON accepted from loopback for 100021 proc 16');
    const rejected = await client.mon({ monId: { monName: '127.0.0.10', myId: { ...myId, myProc: 3 } }, priv });
    t.equal(rejected.resStat, 1, 'statd refuses a callback other than proc 16/24');
    const dir = new StatdDirectory(path);
    const records = await waitFor(async () => {
      const r = await dir.readMonitorList('sm');
      return r.length > 0 ? r : undefined;
    }, 'statd to write the record');
    t.equal(records.length, 1);
    const r = records[0]!;
    t.equal(r.monName, '127.0.0.9');
    t.equal(r.myName, 'nfsprobe-test');
    t.equal(r.myProg, NLM_PROGRAM);
    t.equal(r.myVers, 3);
    t.equal(r.myProc, 16);
    t.equal(Buffer.from(r.priv).toString('hex'), '66a89ab53b650b00804d729c00000000');
    t.equal(r.callerAddress, '127.0.0.1');
    const file = join(path, 'sm', r.host);
    t.equal(statSync(file).mode & 0o777, 0o600, 'statd writes new records 0600 (what our addRecord does)');
    t.match(statd.log(), /SM_MON/);
    t.same(await client.unmon({ monName: '127.0.0.9', myId }), { state: stat.state });
    await waitFor(() => readdirSync(join(path, 'sm')).length === 0, 'statd to remove the record');
    t.same(await dir.readMonitorList('sm'), []);
  });

  t.test('a directory StatdDirectory wrote is loaded by rpc.statd', async (t) => {
    const path = makeStatdDir();
    const dir = new StatdDirectory(path);
    const hosts = ['127.0.0.21', '127.0.0.22', 'client-c.example'];
    for (const h of hosts) await dir.addRecord({ monName: h, myName: 'srv' });
    await dir.addRecord({ monName: '127.0.0.21', myName: 'srv-second' });
    await dir.writeState(41);
    execFileSync('touch', [join(path, 'sm', '.leaked.new')]);
    const statd = await startStatd(t, path);
    const log = await waitFor(() => (/Waiting for client connections/.test(statd.log()) ? statd.log() : ''), 'statd');
    for (const h of hosts)
      t.match(log, new RegExp(`Adding record for ${h.replace(/\./g, '\\.')} to the monitor list`), h);
    t.match(log, /Loaded 4 previously monitored hosts/, 'every line loaded, the temp file not');
    const state = Number(/Local NSM state number: (\d+)/.exec(log)?.[1]);
    t.ok(state === 41 || state === 43, `statd read our state 41 (reports ${state})`);
    const client = await NsmClient.connect({ host: '127.0.0.1' });
    t.teardown(() => client.close());
    t.equal((await client.stat('x')).state, state);
  });

  t.test('our notifier -> rpc.statd: SM_NOTIFY received with our name and state', async (t) => {
    const statdPath = makeStatdDir();
    const statd = await startStatd(t, statdPath);
    const ours = new StatdDirectory(makeStatdDir());
    await ours.addRecord({ monName: '127.0.0.1', myName: 'node-a' });
    await ours.writeState(7);
    const report = await notifyAll({
      directory: ours,
      monNames: ['foo-ha'],
      retryDeadlineMs: 10_000,
      kernelStatePath: null,
    });
    t.equal(report.state, 9);
    t.equal(report.notified, 1, JSON.stringify(report.hosts));
    t.equal(report.hosts[0]!.status, 'notified');
    await waitFor(() => /Received SM_NOTIFY from foo-ha, state: 9/.test(statd.log()), 'statd to log SM_NOTIFY');
    t.pass('statd logged: Received SM_NOTIFY from foo-ha, state: 9');
    t.same(readdirSync(join(ours.path, 'sm.bak')), [], 'acknowledged record removed');
  });

  t.test('our notifier -> rpc.statd over IPv6 (rpcbind v3 GETADDR udp6)', async (t) => {
    const statdPath = makeStatdDir();
    const statd = await startStatd(t, statdPath);
    const ours = new StatdDirectory(makeStatdDir());
    await ours.addRecord({ host: '::1', monName: '::1', myName: 'node-a' });
    await ours.writeState(21);
    const report = await notifyAll({
      directory: ours,
      monNames: ['v6-ha'],
      retryDeadlineMs: 10_000,
      kernelStatePath: null,
    });
    t.equal(report.hosts[0]!.status, 'notified', JSON.stringify(report.hosts[0]));
    t.equal(report.hosts[0]!.address, '::1');
    await waitFor(() => /Received SM_NOTIFY from v6-ha, state: 23/.test(statd.log()), 'statd to log SM_NOTIFY');
    t.pass('statd logged the SM_NOTIFY that came over IPv6');
  });

  t.test("snapshot reports statd's NSM state (SM_STAT), as its log prints it", async (t) => {
    const path = makeStatdDir();
    await new StatdDirectory(path).writeState(41);
    const statd = await startStatd(t, path);
    const logged = await waitFor(() => /Local NSM state number: (-?\d+)/.exec(statd.log())?.[1], 'statd state line');
    const snapshot = await takeSnapshot('127.0.0.1', { versions: [], timeoutMs: 3000 });
    t.equal(snapshot.nsm.registered, true);
    t.equal(snapshot.nsm.state, Number(logged));
    t.equal((snapshot.nsm.state ?? 0) % 2, 1, 'odd');
    t.notOk(
      snapshot.errors.some((e) => e.step === 'nsm'),
      'no nsm error',
    );
  });
}
