// Grace enforced by a real nfs-ganesha 4.3 (Graceless = false, Grace_Period = 60) with rpc.statd: right after it
// starts, a non-reclaim NLM LOCK gets LCK_DENIED_GRACE_PERIOD (library and `nfsprobe lock`, exit 1) while a reclaim
// is granted, the NFSv4.1 path reports NFS4ERR_GRACE (for the OPEN, before any LOCK), and our NLM callback server
// refuses to register over ganesha's nlockmgr. Grace is 60 s so that no check can run after grace on a slow machine.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { LCK_DENIED_GRACE_PERIOD, NlmCallbackServer, NlmClient, type NlmError } from '../../src/nlm/index.js';
import { nfsprobe } from '../helpers/cli.js';
import { enterLab, makeStatdDir, run, startRpcbind, startStatd } from '../lab/namespace.js';
import { handleOf, NLM_PORT, startNlmGanesha } from './lab.js';

if (await enterLab(t, import.meta.url, ['rpcbind', 'rpc.statd', 'ganesha.nfsd', 'rpcinfo'])) {
  await startRpcbind(t);
  await startStatd(t, makeStatdDir());
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-nlm-grace-')), 'data');
  run('mkdir', ['-p', exportDir]);
  writeFileSync(join(exportDir, 'locked'), 'a file to lock\n');
  const recovery = mkdtempSync(join(tmpdir(), 'nfsprobe-nlm-recov-'));
  await startNlmGanesha(
    t,
    exportDir,
    `Graceless = false; Grace_Period = 60; Lease_Lifetime = 10; RecoveryBackend = fs; RecoveryRoot = ${recovery};`,
  );

  t.test('during grace: LCK_DENIED_GRACE_PERIOD for a new lock', async (t) => {
    const fh = await handleOf(t, exportDir, 'locked');
    const client = await NlmClient.connect({ host: '127.0.0.1', callerName: '127.0.0.1', timeoutMs: 5000 });
    t.teardown(() => client.close());
    const r = await client.lock({ fh, offset: 0, length: 1 });
    t.equal(r.stat, LCK_DENIED_GRACE_PERIOD, `LOCK: ${r.statName}`);
    t.equal(r.statName, 'LCK_DENIED_GRACE_PERIOD');

    const cli = await nfsprobe(['lock', `127.0.0.1:${exportDir}/locked`, '--caller-name', '127.0.0.1', '--json']);
    t.equal(cli.code, 1, 'nfsprobe lock: exit 1 (the server refused)');
    const json = JSON.parse(cli.out);
    t.same([json.ok, json.result, json.status], [false, 'LCK_DENIED_GRACE_PERIOD', 'LCK_DENIED_GRACE_PERIOD']);

    const reclaim = await client.lock({ fh, offset: 0, length: 1 }, { reclaim: true });
    t.equal(reclaim.statName, 'LCK_GRANTED', 'a reclaim during grace is accepted');
    t.equal((await client.unlock({ fh, offset: 0, length: 1 })).statName, 'LCK_GRANTED');
  });

  t.test('with the ganesha lock manager registered, our callback server refuses to take over', async (t) => {
    const callbacks = new NlmCallbackServer();
    await callbacks.listen();
    t.teardown(() => callbacks.close());
    try {
      await callbacks.register();
      t.fail('expected CALLBACK_REGISTERED');
    } catch (error) {
      t.equal((error as NlmError).code, 'CALLBACK_REGISTERED');
    }
    t.match(run('rpcinfo', ['-p', '127.0.0.1']), new RegExp(`${NLM_PORT}\\s+nlockmgr`), "ganesha's registration stays");
  });

  t.test('during grace: NFSv4.1 OPEN for the lock gets NFS4ERR_GRACE', async (t) => {
    const cli = await nfsprobe(['lock', `127.0.0.1:${exportDir}/locked`, '--nfs-version', '4', '--json']);
    t.equal(cli.code, 1, `exit 1 (${cli.err})`);
    const json = cli.out === '' ? {} : JSON.parse(cli.out);
    t.equal(json.status, 'NFS4ERR_GRACE', 'reported by name');
    t.equal(json.operation, 'OPEN', 'a new OPEN is refused during grace already');
    t.equal(json.ok, false);
  });
}
