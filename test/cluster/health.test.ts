// `nfsprobe health` against a real nfs-ganesha and rpc.statd in a private namespace: healthy -> 0 with the CLI.md JSON
// shape; a missing export, a wrong --expect-scope or --expect-fsid, a missing canary -> 1; a dead rpcbind port and a
// black hole -> 1 within the deadline. Bad input is in health-cli.test.ts.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { bin, buildCli, root } from '../helpers/cli.js';
import { enterLab, makeStatdDir, run, startGanesha, startRpcbind, startStatd } from '../lab/namespace.js';
import { runCli } from '../nfs/cli-run.js';

const PEERS = ['rpcbind', 'rpc.statd', 'ganesha.nfsd', 'rpcinfo', 'ocf-tester', 'xmllint', 'dash'];

/** Run a command without blocking the event loop. */
function runAsync(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, [...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

interface Probe {
  name: string;
  ok: boolean;
  rttMs?: number;
  code?: string;
  error?: string;
  skipped?: boolean;
}

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  await startRpcbind(t);
  await startStatd(t, makeStatdDir());
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-health-')), 'data');
  run('mkdir', ['-p', exportDir]);
  writeFileSync(join(exportDir, 'canary'), 'alive\n');
  await startGanesha(t, { exportDir, exportId: 7 });
  const host = '127.0.0.1';

  t.test('healthy server: exit 0, every probe ok, identity, the JSON contract', async (t) => {
    const r = await runCli(['--json', 'health', `${host}:${exportDir}`, '--canary', 'canary']);
    t.equal(r.code, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout);
    t.equal(doc.target, `${host}:${exportDir}`);
    t.equal(doc.ok, true);
    const names = doc.probes.map((p: Probe) => p.name);
    t.same(names, [
      'rpcbind-udp',
      'rpcbind-tcp',
      'nfs3-null-udp',
      'nfs3-null-tcp',
      'nfs4-null-tcp',
      'mountd-null-udp',
      'mountd-null-tcp',
      'nlockmgr-null-udp',
      'nlockmgr-null-tcp',
      'status-null-udp',
      'status-null-tcp',
      'mount',
      'nfs3-getattr',
      'canary-read',
      'nfs4-exchange-id',
    ]);
    for (const p of doc.probes as Probe[]) {
      t.equal(p.ok, true, `${p.name}: ${p.error ?? ''}`);
      t.type(p.rttMs, 'number', `${p.name} has rttMs`);
    }
    t.type(doc.identity.serverScope, 'string');
    t.match(doc.identity.serverScope, /Ganesha/, 'the scope as text, without the C string NUL');
    t.type(doc.identity.serverOwner, 'string');
    t.type(doc.identity.leaseTime, 'number');
    t.match(doc.fsid, /^\d+$/);

    // The identity and fsid just read are what --expect-* accept.
    const same = await runCli([
      'health',
      `${host}:${exportDir}`,
      '--expect-scope',
      doc.identity.serverScope,
      '--expect-fsid',
      doc.fsid,
    ]);
    t.equal(same.code, 0, same.stdout + same.stderr);
    t.match(same.stdout, /^ok\s+expect-scope/m);
    t.match(same.stdout, /^ok\s+expect-fsid/m);
    t.match(same.stdout, /: healthy \(\d+ ms\)\n$/);
  });

  t.test('the export is missing: exit 1, mount fails', async (t) => {
    const r = await runCli(['--json', 'health', `${host}:/no/such/export`]);
    t.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    t.equal(doc.ok, false);
    const mount = doc.probes.find((p: Probe) => p.name === 'mount');
    t.equal(mount.ok, false);
    t.match(mount.code, /^MNT3ERR_/);
    t.notOk(
      doc.probes.some((p: Probe) => p.name === 'nfs3-getattr'),
      'no GETATTR without a handle',
    );
    t.ok(
      doc.probes.filter((p: Probe) => p.name !== 'mount').every((p: Probe) => p.ok),
      'the rest is healthy',
    );
  });

  t.test('identity drift: a wrong --expect-scope or --expect-fsid -> exit 1', async (t) => {
    const scope = await runCli(['--json', 'health', host, '--expect-scope', 'some-other-cluster']);
    t.equal(scope.code, 1, scope.stderr);
    const p = JSON.parse(scope.stdout).probes.find((x: Probe) => x.name === 'expect-scope');
    t.match(p, { ok: false, code: 'SCOPE_MISMATCH' });
    const fsid = await runCli(['health', `${host}:${exportDir}`, '--expect-fsid', '0x1234']);
    t.equal(fsid.code, 1);
    t.match(fsid.stdout, /^FAIL\s+expect-fsid\s.*\(FSID_MISMATCH\)$/m);
    t.match(fsid.stdout, /UNHEALTHY: 1 of \d+ probes failed/);
    const canary = await runCli(['--json', 'health', `${host}:${exportDir}`, '--canary', 'gone']);
    t.equal(canary.code, 1);
    t.match(
      JSON.parse(canary.stdout).probes.find((x: Probe) => x.name === 'canary-read'),
      { ok: false, code: 'NFS3ERR_NOENT' },
    );
  });

  t.test('ocf-tester passes nfsprobe-health; monitor fails with the failed probes as the reason', async (t) => {
    const agents = mkdtempSync(join(tmpdir(), 'nfsprobe-ocf-'));
    chmodSync(agents, 0o755);
    const agent = join(agents, 'nfsprobe-health');
    copyFileSync(join(root, 'ocf', 'nfsprobe-health'), agent);
    chmodSync(agent, 0o755);
    const report = join(agents, 'health.json');
    const r = await runAsync('ocf-tester', [
      '-n',
      'health-test',
      '-o',
      `target=${host}:${exportDir}`,
      '-o',
      `nfsprobe=${bin}`,
      '-o',
      'canary=canary',
      '-o',
      `report=${report}`,
      agent,
    ]);
    t.comment(r.stdout.trim());
    t.equal(r.code, 0, r.stdout + r.stderr);
    t.match(r.stdout, /passed all tests/);
    t.equal(JSON.parse(readFileSync(report, 'utf8')).ok, true, 'the last report is kept');

    const rsc = mkdtempSync(join(tmpdir(), 'nfsprobe-rsctmp-'));
    const env = {
      OCF_ROOT: '/usr/lib/ocf',
      OCF_RESOURCE_INSTANCE: 'drift',
      HA_RSCTMP: rsc,
      OCF_RESKEY_target: host,
      OCF_RESKEY_nfsprobe: bin,
      OCF_RESKEY_probe_timeout: '2s',
    };
    t.equal((await runAsync('dash', [agent, 'monitor'], env)).code, 7, 'not started: OCF_NOT_RUNNING');
    t.equal((await runAsync('dash', [agent, 'start'], env)).code, 0);
    const drift = await runAsync('dash', [agent, 'monitor'], { ...env, OCF_RESKEY_expect_scope: 'elsewhere' });
    t.equal(drift.code, 1, 'another server scope: OCF_ERR_GENERIC');
    t.match(drift.stderr, /unhealthy: failed expect-scope/);
    const bad = await runAsync('dash', [agent, 'monitor'], { ...env, OCF_RESKEY_probe_timeout: 'soon' });
    t.equal(bad.code, 6, 'bad parameter: OCF_ERR_CONFIGURED');
    t.equal((await runAsync('dash', [agent, 'stop'], env)).code, 0);
    t.equal((await runAsync('dash', [agent, 'monitor'], env)).code, 7);
    t.equal((await runAsync('dash', [agent, 'validate-all'], { ...env, OCF_RESKEY_target: '' })).code, 6);
  });

  t.test('a service not registered fails, unless --optional', async (t) => {
    run('rpcinfo', ['-d', 'status', '1']);
    t.teardown(() => {
      // statd's registration is gone for the rest of this file; the tests after this one do not need it.
    });
    const strict = await runCli(['--json', 'health', host]);
    t.equal(strict.code, 1);
    const failed = JSON.parse(strict.stdout).probes.filter((p: Probe) => !p.ok);
    t.same(
      failed.map((p: Probe) => [p.name, p.code]),
      [
        ['status-null-udp', 'NOT_REGISTERED'],
        ['status-null-tcp', 'NOT_REGISTERED'],
      ],
    );
    const relaxed = await runCli(['--json', 'health', host, '--optional', 'nlockmgr,status']);
    t.equal(relaxed.code, 0, relaxed.stdout);
    const skipped = JSON.parse(relaxed.stdout).probes.filter((p: Probe) => p.skipped);
    t.same(
      skipped.map((p: Probe) => p.name),
      ['status-null-udp', 'status-null-tcp'],
    );
  });

  t.test('a dead rpcbind port: exit 1 within the deadline', async (t) => {
    const started = Date.now();
    const r = await runCli(['--json', '--timeout', '2s', 'health', `${host}:1`]);
    const elapsed = Date.now() - started;
    t.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    t.match(
      doc.probes.find((p: Probe) => p.name === 'rpcbind-tcp'),
      { ok: false, code: 'CONNECTION' },
    );
    t.ok(elapsed < 2000 + 1000, `done in ${elapsed} ms (deadline 2000 ms)`);
  });

  t.test('a black hole (answers nothing): every probe ends at the deadline', async (t) => {
    const hole = createSocket('udp4');
    await new Promise<void>((resolve) => hole.bind(0, '127.0.0.1', resolve));
    hole.on('message', () => {});
    t.teardown(() => hole.close());
    const started = Date.now();
    const r = await runCli(['--json', '--timeout', '1500ms', 'health', `127.0.0.1:${hole.address().port}`]);
    const elapsed = Date.now() - started;
    t.equal(r.code, 1);
    const rpcbind = JSON.parse(r.stdout).probes.find((p: Probe) => p.name === 'rpcbind-udp');
    t.match(rpcbind, { ok: false, code: 'TIMEOUT' });
    t.ok(elapsed >= 1400 && elapsed < 1500 + 1500, `done in ${elapsed} ms (deadline 1500 ms)`);
  });
}
