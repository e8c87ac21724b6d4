// NLM v4 and NFSv4.1 locks against a real nfs-ganesha 4.3 with rpc.statd (lab.md: ganesha's NLM needs statd running
// before it starts): NlmClient over UDP and TCP — LOCK, a second owner's TEST sees the holder, LOCK denied, UNLOCK,
// then the second owner gets it — and `nfsprobe lock` doing the same from separate processes (v3 and v4), with
// Ctrl-C releasing a held lock. A tshark capture of the whole run decodes NLM with no malformed packet.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LCK_DENIED, LCK_GRANTED, NlmClient } from '../../src/nlm/index.js';
import { nfsprobe } from '../helpers/cli.js';
import {
  enterLab,
  makeStatdDir,
  run,
  startCapture,
  startRpcbind,
  startStatd,
  stopCapture,
  TSHARK_RPC_BY_CONTENT,
  tsharkCount,
  tsharkProblems,
  waitFor,
  withoutTsharkNfs4BitmapNote,
} from '../lab/namespace.js';
import { handleOf, nfsprobeInBackground, startNlmGanesha } from './lab.js';

const text = (s: string) => new TextEncoder().encode(s);

async function nlmClient(t: Test, transport: 'udp' | 'tcp', owner: string, svid: number): Promise<NlmClient> {
  const client = await NlmClient.connect({
    host: '127.0.0.1',
    transport,
    timeoutMs: 5000,
    callerName: '127.0.0.1',
    oh: text(owner),
    svid,
  });
  t.teardown(() => client.close());
  return client;
}

if (await enterLab(t, import.meta.url, ['rpcbind', 'rpc.statd', 'ganesha.nfsd', 'rpcinfo', 'tshark'])) {
  await startRpcbind(t);
  await startStatd(t, makeStatdDir());
  const capture = join(mkdtempSync(join(tmpdir(), 'nfsprobe-nlm-pcap-')), 'nlm.pcap');
  const tshark = await startCapture(t, capture);
  const exportDir = join(mkdtempSync(join(tmpdir(), 'nfsprobe-nlm-')), 'data');
  run('mkdir', ['-p', exportDir]);
  writeFileSync(join(exportDir, 'locked'), 'a file to lock\n');
  await startNlmGanesha(t, exportDir, 'Graceless = true;');

  for (const transport of ['udp', 'tcp'] as const) {
    t.test(`NlmClient over ${transport}: lock, the holder seen by another owner, denied, unlock, taken`, async (t) => {
      const fh = await handleOf(t, exportDir, 'locked');
      const a = await nlmClient(t, transport, `owner-a-${transport}`, 101);
      const b = await nlmClient(t, transport, `owner-b-${transport}`, 202);
      await a.ping();
      const range = { fh, offset: 100, length: 10 };

      t.equal((await a.lock(range)).statName, 'LCK_GRANTED', 'A takes bytes 100-109');
      t.equal((await a.test(range)).stat, LCK_GRANTED, "A's own lock does not conflict with A");
      const seen = await b.test({ fh, offset: 105, length: 1 });
      t.equal(seen.stat, LCK_DENIED, "B's TEST of an overlapping byte is denied");
      t.same(
        seen.holder && { ...seen.holder, oh: Buffer.from(seen.holder.oh).toString() },
        { exclusive: true, svid: 101, oh: `owner-a-${transport}`, offset: 100n, length: 10n },
        'TEST names the holder: svid, oh and range',
      );
      t.equal((await b.test({ fh, offset: 110, length: 5 })).stat, LCK_GRANTED, 'the bytes after it are free');
      t.equal(
        (await b.test({ fh, offset: 100, length: 10, exclusive: false })).stat,
        LCK_DENIED,
        'shared vs exclusive',
      );
      t.equal((await b.lock(range)).statName, 'LCK_DENIED', "B's LOCK is denied");
      t.equal((await a.unlock(range)).statName, 'LCK_GRANTED', 'A unlocks');
      t.equal((await b.lock(range)).statName, 'LCK_GRANTED', 'now B gets it');
      t.equal((await a.test(range)).holder?.svid, 202, 'and A sees B as the holder');
      t.equal((await b.unlock(range)).statName, 'LCK_GRANTED');
      // Shared locks coexist.
      t.equal((await a.lock({ ...range, exclusive: false })).statName, 'LCK_GRANTED');
      t.equal((await b.lock({ ...range, exclusive: false })).statName, 'LCK_GRANTED', 'two shared locks coexist');
      t.equal((await b.lock(range)).statName, 'LCK_DENIED', "B cannot upgrade while A's shared lock is held");
      await a.unlock(range);
      await b.unlock(range);
    });
  }

  for (const version of ['3', '4'] as const) {
    t.test(
      `nfsprobe lock --nfs-version ${version}: hold, a second process sees the conflict, Ctrl-C releases`,
      async (t) => {
        const target = `127.0.0.1:${exportDir}/locked`;
        const common = ['--nfs-version', version, '--caller-name', '127.0.0.1', '--offset', '0', '--length', '4096'];
        const holder = nfsprobeInBackground(t, ['lock', target, ...common, '--hold', '2m']);
        await waitFor(() => /holding for/.test(holder.out()), 'the first nfsprobe to hold its lock', 30_000);
        t.match(holder.out(), /granted/, 'the first process got the lock');

        const tested = await nfsprobe(['lock', target, ...common, '--test', '--json']);
        t.equal(tested.code, 1, `--test exit 1: a conflict (${tested.err})`);
        const report = JSON.parse(tested.out);
        t.equal(report.result, 'denied');
        t.equal(report.holder.offset, '0');
        t.equal(report.holder.length, '4096');
        t.equal(report.holder.exclusive, true);
        if (version === '3') t.equal(report.holder.svid, holder.child.pid, "the holder's svid is its process id");
        else t.match(report.holder.ownerText, /^nfsprobe-lock-/, "the holder's NFSv4 lock owner");

        const denied = await nfsprobe(['lock', target, ...common]);
        t.equal(denied.code, 1, 'a second LOCK: exit 1');
        t.match(denied.out, /denied/);
        t.match(denied.out, version === '3' ? /svid\s+\d+/ : /lock owner/, 'prints who holds it');

        holder.child.kill('SIGINT');
        t.equal(await holder.exit, 0, 'Ctrl-C: released, exit 0');
        t.match(holder.out(), /released after \d+ ms: \S+ \(SIGINT\)/);

        const free = await nfsprobe(['lock', target, ...common, '--test']);
        t.equal(free.code, 0, `free after the release (${free.out}${free.err})`);
        const taken = await nfsprobe(['lock', target, ...common, '--json']);
        t.equal(taken.code, 0, 'a new process takes it and releases it');
        const json = JSON.parse(taken.out);
        t.same([json.result, json.released, json.nfsVersion], ['granted', true, Number(version)]);
      },
    );
  }

  t.test('bad input: exit 2, nothing done', async (t) => {
    const r = await nfsprobe(['lock', `127.0.0.1:${exportDir}/locked`, '--offset', 'x']);
    t.equal(r.code, 2);
    t.match(r.err, /^nfsprobe: --offset/);
    t.equal((await nfsprobe(['lock', '127.0.0.1:/', '--test'])).code, 2);
    t.equal((await nfsprobe(['lock', `127.0.0.1:${exportDir}/locked`, '--nfs-version', '5'])).code, 2);
    const missing = await nfsprobe(['lock', `127.0.0.1:${exportDir}/no-such-file`]);
    t.equal(missing.code, 1, 'a missing file is a problem found, not created');
  });

  t.test('tshark decodes the NLM traffic with no malformed packet', async (t) => {
    await stopCapture(tshark, capture);
    // tshark 4.0 warns when a 4.1 server's CLOSE reply carries the special "invalid" stateid RFC 8881 section
    // 18.2.4 asks for (it checks against RFC 7530): ganesha's bytes, correct, not ours — every other warning counts.
    const problems = withoutTsharkNfs4BitmapNote(tsharkProblems(capture, TSHARK_RPC_BY_CONTENT)).filter(
      (p) => !/^Warns: Protocol NFS State ID deprecated in CLOSE responses/.test(p),
    );
    t.same(problems, [], 'no malformed packet, no protocol warning');
    t.equal(tsharkProblems(capture, TSHARK_RPC_BY_CONTENT).filter((p) => /NLM|Malformed/i.test(p)).length, 0);
    t.ok(tsharkCount(capture, 'nlm.procedure_v4 == 2') >= 8, 'NLM4 LOCK calls decoded');
    t.ok(tsharkCount(capture, 'nlm.procedure_v4 == 1') >= 4, 'NLM4 TEST calls decoded');
    t.ok(tsharkCount(capture, 'nlm.test_stat.stat == 1') >= 2, 'TEST replies with LCK_DENIED decoded');
    t.ok(tsharkCount(capture, 'nlm.holder') >= 2, 'with the holder');
    t.ok(tsharkCount(capture, 'nlm.stat == 1') >= 2, 'LOCK replies with LCK_DENIED');
    t.ok(tsharkCount(capture, 'nfs.opcode == 12') >= 2, 'NFSv4 LOCK decoded');
  });
}
