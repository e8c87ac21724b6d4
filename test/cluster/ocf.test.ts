// The cluster hooks end to end, as root in a private namespace with a real rpcbind and rpc.statd and simulated NFS
// clients (bench/nsm-fleet.ts, port 111 on 127.x addresses) that record every SM_NOTIFY: ocf-tester (with xmllint
// validating the meta-data) passes for ocf/nfsprobe-notify; start/monitor/stop of that agent notify the clients, write
// the report, return while an unreachable client is still retried, and re-notify when rpc.statd's PID changes; the
// keepalived script run as keepalived runs it (INSTANCE NAME MASTER), under dash.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';

import { fleetAddress, startFleet } from '../../bench/nsm-fleet.js';
import { StatdDirectory } from '../../src/nsm/index.js';
import { bin, buildCli, root } from '../helpers/cli.js';
import { type Daemon, enterLab, makeStatdDir, run, startDaemon, waitFor } from '../lab/namespace.js';

const PEERS = ['rpcbind', 'rpc.statd', 'rpcinfo', 'ocf-tester', 'xmllint', 'dash'];

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command without blocking this process's event loop (the simulated clients answer from it). */
function runAsync(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, [...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The agents in a world-readable directory (ocf-tester runs meta-data as user nobody). */
function installAgents(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfsprobe-ocf-'));
  chmodSync(dir, 0o755);
  for (const name of ['nfsprobe-notify', 'nfsprobe-health']) {
    copyFileSync(join(root, 'ocf', name), join(dir, name));
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/**
 * The server's rpcbind and rpc.statd live in a network namespace of their own ("srv"): the simulated clients hold
 * port 111 on their 127.x addresses here, which rpcbind's wildcard socket cannot share. /run (and so
 * /run/rpc.statd.pid, which the agent reads) is the same.
 */
async function startServerNamespace(t: Test): Promise<void> {
  run('ip', ['netns', 'add', 'srv']);
  run('ip', ['-n', 'srv', 'link', 'set', 'lo', 'up']);
  startDaemon(t, 'ip', ['netns', 'exec', 'srv', 'rpcbind', '-f', '-w'], 'rpcbind');
  await waitFor(() => answers('portmapper', 2), 'rpcbind to answer');
}

function answers(program: string, version: number): boolean {
  try {
    run('ip', ['netns', 'exec', 'srv', 'timeout', '2', 'rpcinfo', '-u', '127.0.0.1', program, String(version)]);
    return true;
  } catch {
    return false;
  }
}

async function startStatd(t: Test, dir: string): Promise<Daemon> {
  const daemon = startDaemon(
    t,
    'ip',
    ['netns', 'exec', 'srv', 'rpc.statd', '-F', '-d', '-L', '--no-notify', '-P', dir],
    'statd',
  );
  await waitFor(() => answers('status', 1), 'rpc.statd to answer');
  await waitFor(() => readFileSync('/run/rpc.statd.pid', 'utf8').trim() === String(daemon.pid), 'its PID file');
  return daemon;
}

async function addRecords(dir: string, addresses: readonly string[]): Promise<void> {
  const statd = new StatdDirectory(dir);
  for (const a of addresses) await statd.addRecord({ monName: a, myName: 'nfs-node' });
  run('chown', ['-R', 'statd', dir]);
}

if (await enterLab(t, import.meta.url, PEERS)) {
  t.equal(buildCli().status, 0, 'the CLI builds');
  const addresses = Array.from({ length: 4 }, (_, i) => fleetAddress(i + 40));
  // 0-2 answer; 3 is a host that is down (reads and drops every datagram).
  const fleet = await startFleet(addresses, { port: 111, mode: (i) => (i === 3 ? 'drop' : 'ok') });
  t.teardown(() => fleet.close());
  await startServerNamespace(t);
  const statdDir = makeStatdDir();
  let statd = await startStatd(t, statdDir);
  const agents = installAgents();
  const notifyAgent = join(agents, 'nfsprobe-notify');

  t.test('ocf-tester passes nfsprobe-notify, meta-data validated by xmllint', async (t) => {
    await addRecords(statdDir, addresses.slice(0, 2));
    const report = join(mkdtempSync(join(tmpdir(), 'nfsprobe-report-')), 'notify.json');
    const r = await runAsync('ocf-tester', [
      '-n',
      'nfsnotify-test',
      '-o',
      `state_dir=${statdDir}`,
      '-o',
      `nfsprobe=${bin}`,
      '-o',
      `report=${report}`,
      '-o',
      'source_host=127.0.0.1',
      notifyAgent,
    ]);
    t.comment(r.stdout.trim());
    t.equal(r.code, 0, r.stdout + r.stderr);
    t.match(r.stdout, /passed all tests/);
    await waitFor(() => existsSync(report), 'the report');
    const doc = JSON.parse(readFileSync(report, 'utf8'));
    // ocf-tester's second start runs with the same rpc.statd: a re-notification, from a copy of the directory.
    t.match(doc.stateDir, /\/nfsprobe-notify-nfsnotify-test\/statd-copy$/);
    t.ok(
      fleet.notifications.some((n) => n.address === addresses[0] && n.monName === '127.0.0.1'),
      'a client got SM_NOTIFY',
    );
  });

  t.test('start / monitor / stop against the real statd directory', async (t) => {
    const rsc = mkdtempSync(join(tmpdir(), 'nfsprobe-rsctmp-'));
    const report = join(rsc, 'report.json');
    const env = {
      OCF_ROOT: '/usr/lib/ocf',
      OCF_RESOURCE_INSTANCE: 'drive',
      HA_RSCTMP: rsc,
      OCF_RESKEY_CRM_meta_timeout: '20000',
      OCF_RESKEY_state_dir: statdDir,
      OCF_RESKEY_nfsprobe: bin,
      OCF_RESKEY_report: report,
      OCF_RESKEY_source_host: 'nfs-ha.test',
      OCF_RESKEY_source_address: '127.0.0.1',
    };
    const agent = (action: string, extra: NodeJS.ProcessEnv = {}) =>
      runAsync('dash', [notifyAgent, action], { ...env, ...extra });
    const seen = (address: string) =>
      fleet.notifications.filter((n) => n.address === address && n.monName === 'nfs-ha.test');

    t.equal((await agent('monitor')).code, 7, 'not started: OCF_NOT_RUNNING');
    t.equal((await agent('validate-all')).code, 0);
    t.equal((await agent('validate-all', { OCF_RESKEY_retry_time: 'soon' })).code, 6, 'bad parameter: ERR_CONFIGURED');
    t.equal((await agent('validate-all', { OCF_RESKEY_nfsprobe: '/nonexistent' })).code, 5, 'ERR_INSTALLED');
    t.equal(
      (await agent('validate-all', { OCF_RESKEY_notify_args: '--state 4' })).code,
      6,
      'notify_args checked by a dry run',
    );

    await addRecords(statdDir, addresses.slice(0, 3));
    const before = (await new StatdDirectory(statdDir).readState()) ?? 1;
    const start = await agent('start');
    t.equal(start.code, 0, start.stderr);
    const state = await new StatdDirectory(statdDir).readState();
    t.ok(state !== undefined && state > before && state % 2 === 1, `state bumped ${before} -> ${state}, odd`);
    await waitFor(() => existsSync(report), 'the report');
    const doc = JSON.parse(readFileSync(report, 'utf8'));
    t.match(doc, { stateDir: statdDir, state, notified: 3, failed: 0 });
    for (const a of addresses.slice(0, 3)) {
      t.ok(
        seen(a).some((n) => n.state === state && n.from.startsWith('127.0.0.1:')),
        `${a} got SM_NOTIFY nfs-ha.test state ${state}`,
      );
    }
    t.equal((await agent('monitor')).code, 0, 'started: OCF_SUCCESS');
    t.equal((await agent('start')).code, 0, 'start again: still OCF_SUCCESS');

    // rpc.statd restarts (another PID): the next monitor notifies again.
    await addRecords(statdDir, addresses.slice(0, 1));
    await statd.stop();
    statd = await startStatd(t, statdDir);
    const count = seen(addresses[0]!).length;
    const again = await agent('monitor');
    t.equal(again.code, 0, again.stderr);
    await waitFor(() => seen(addresses[0]!).length > count, 'the re-notification');
    const renotified = seen(addresses[0]!).at(-1)!;
    t.ok(renotified.state > state!, `re-notified with a newer state ${renotified.state}`);

    t.equal((await agent('stop')).code, 0);
    t.equal((await agent('monitor')).code, 7, 'stopped: OCF_NOT_RUNNING');
    t.equal((await agent('stop')).code, 0, 'stop again: OCF_SUCCESS');
  });

  t.test('start returns while a client that is down is still retried; stop ends the notifier', async (t) => {
    const rsc = mkdtempSync(join(tmpdir(), 'nfsprobe-rsctmp-'));
    const report = join(rsc, 'report.json');
    const env = {
      OCF_ROOT: '/usr/lib/ocf',
      OCF_RESOURCE_INSTANCE: 'slow',
      HA_RSCTMP: rsc,
      OCF_RESKEY_CRM_meta_timeout: '20000',
      OCF_RESKEY_state_dir: statdDir,
      OCF_RESKEY_nfsprobe: bin,
      OCF_RESKEY_report: report,
      OCF_RESKEY_source_host: 'slow-ha.test',
      OCF_RESKEY_source_address: '127.0.0.1',
      OCF_RESKEY_retry_time: '10',
    };
    await addRecords(statdDir, [addresses[1]!, addresses[3]!]);
    const start = await runAsync('dash', [notifyAgent, 'start'], env);
    t.equal(start.code, 0, start.stderr);
    const pidFile = join(rsc, 'nfsprobe-notify-slow', 'notifier.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    t.ok(existsSync(`/proc/${pid}`), 'the notifier still runs after start returned');
    t.notOk(existsSync(report), 'no report until the notifier is done');
    await waitFor(
      () => fleet.notifications.some((n) => n.address === addresses[1] && n.monName === 'slow-ha.test'),
      'the reachable client to be notified',
    );
    t.equal((await runAsync('dash', [notifyAgent, 'stop'], env)).code, 0);
    await waitFor(() => !existsSync(`/proc/${pid}`), 'the notifier to end');
    t.ok(
      readFileSync(join(statdDir, 'sm.bak', addresses[3]!), 'utf8').length > 0,
      "the unreachable client's record stays in sm.bak/",
    );
    rmSync(join(statdDir, 'sm.bak', addresses[3]!));
  });

  t.test('keepalived: the notify script as keepalived runs it (INSTANCE NAME MASTER), under dash', async (t) => {
    const conf = mkdtempSync(join(tmpdir(), 'nfsprobe-keepalived-'));
    const script = join(root, 'contrib', 'keepalived', 'nfsprobe-notify.sh');
    const report = join(conf, 'VI_NFS.json');
    writeFileSync(
      join(conf, 'nfsprobe-notify.conf'),
      `FLOATING_NAME=vip-ha.test\nFLOATING_ADDRESS=127.0.0.1\nSTATE_DIR=${statdDir}\nNFSPROBE=${bin}\nREPORT=${report}\nNOTIFY_ARGS='-m 0.1'\n`,
    );
    const env = { NFSPROBE_NOTIFY_CONF: conf, NFSPROBE_NOTIFY_RUN: conf };
    await addRecords(statdDir, [addresses[2]!]);
    const backup = await runAsync('dash', [script, 'INSTANCE', 'VI_NFS', 'BACKUP', '100'], env);
    t.equal(backup.code, 0, 'BACKUP: nothing to do');
    t.notOk(existsSync(report));
    const master = await runAsync('dash', [script, 'INSTANCE', 'VI_NFS', 'MASTER'], env);
    t.equal(master.code, 0, master.stderr);
    await waitFor(() => existsSync(report), 'the report');
    const doc = JSON.parse(readFileSync(report, 'utf8'));
    t.match(doc, { stateDir: statdDir, notified: 1, failed: 0, monName: 'vip-ha.test' });
    t.ok(
      fleet.notifications.some((n) => n.address === addresses[2] && n.monName === 'vip-ha.test'),
      'the client got SM_NOTIFY vip-ha.test',
    );
    // A client that is down keeps the notifier retrying; leaving MASTER stops it.
    await addRecords(statdDir, [addresses[3]!]);
    writeFileSync(
      join(conf, 'nfsprobe-notify.VI_SLOW.conf'),
      `FLOATING_NAME=slow-vip.test\nFLOATING_ADDRESS=127.0.0.1\nSTATE_DIR=${statdDir}\nNFSPROBE=${bin}\n`,
    );
    t.equal((await runAsync('dash', [script, 'INSTANCE', 'VI_SLOW', 'MASTER'], env)).code, 0);
    const pidFile = join(conf, 'nfsprobe-notify.VI_SLOW.pid');
    const pid = Number(
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 'the PID file'),
    );
    await waitFor(() => existsSync(`/proc/${pid}`), 'the notifier');
    t.equal((await runAsync('dash', [script, 'INSTANCE', 'VI_SLOW', 'BACKUP', '90'], env)).code, 0);
    await waitFor(() => !existsSync(`/proc/${pid}`), 'the notifier to stop on BACKUP');
    // A stopped run leaves no report (the last complete one stays): the wrapper drops its temp file.
    await waitFor(
      () => !readdirSync(conf).some((f) => f.startsWith('nfsprobe-notify.VI_SLOW.json.tmp')),
      'the wrapper',
    );
    t.notOk(existsSync(join(conf, 'nfsprobe-notify.VI_SLOW.json')), 'no report from a stopped run');
    rmSync(join(statdDir, 'sm.bak', addresses[3]!), { force: true });
    const usage = await runAsync('dash', [script], env);
    t.equal(usage.code, 2, 'no arguments: usage, exit 2');
  });
}
