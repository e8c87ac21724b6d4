// Interop against real nfs-ganesha (VFS FSAL) in a private namespace: exports vs showmount, fh get vs an independent
// MOUNT client and stat(1), NFSv3 operations including WRITE stability and NFS3ERR_STALE, NFSv4.0 and 4.1, and a
// tshark capture of all of it without malformed packets.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { connect } from '../../src/nfs/connect.js';
import { NfsError } from '../../src/nfs/errors.js';
import { CREATEMODE3, STABLE_HOW } from '../../src/nfs/nfs3/index.js';
import { FATTR4, NF4TYPE } from '../../src/nfs/nfs4/index.js';
import { tempDir } from '../helpers/temp.js';
import {
  enterLab,
  run,
  startCapture,
  startGanesha,
  startRpcbind,
  stopCapture,
  TSHARK_RPC_BY_CONTENT,
  tsharkProblems,
  withoutTsharkNfs4BitmapNote,
} from '../lab/namespace.js';
import { runCli } from './cli-run.js';

const here = dirname(fileURLToPath(import.meta.url));
const PEERS = ['rpcbind', 'ganesha.nfsd', 'rpcinfo', 'showmount', 'tshark', 'python3', 'stat'];

/** statfs f_fsid as ganesha puts it on the wire (two host-order u32, little-endian here), hex. */
function fsidWireHex(statfsHex: string): string {
  const word = (h: string) => Buffer.from(h, 'hex').reverse().toString('hex');
  return word(statfsHex.slice(0, 8)) + word(statfsHex.slice(8, 16));
}

if (await enterLab(t, import.meta.url, PEERS)) {
  await startRpcbind(t);
  const work = tempDir('nfsprobe-ganesha-test-');
  const capture = join(work, 'nfs.pcap');
  const tshark = await startCapture(t, capture);
  const exportDir = join(tempDir('nfsprobe-export-'), 'data');
  run('mkdir', ['-p', exportDir]);
  writeFileSync(join(exportDir, 'hello.txt'), 'hello');
  await startGanesha(t, { exportDir, exportId: 1 });
  const host = '127.0.0.1';
  const inode = run('stat', ['-c', '%i', exportDir]).trim();
  const statfsFsid = run('stat', ['-f', '-c', '%i', exportDir]).trim().padStart(16, '0');

  t.test('exports equals showmount -e', async (t) => {
    const showmount = run('showmount', ['-e', host]).trim().split('\n').slice(1);
    const expected = showmount.map((line) => {
      const [path, groups] = line.trim().split(/\s+/) as [string, string];
      return { path, groups: groups === '(everyone)' ? [] : groups.split(',') };
    });
    const json = await runCli(['--json', 'exports', host]);
    t.equal(json.code, 0, json.stderr);
    t.same(JSON.parse(json.stdout), { host, exports: expected });
    const text = await runCli(['exports', host]);
    t.equal(text.code, 0);
    t.match(text.stdout, new RegExp(`^Export list for ${host}:\\n${exportDir}\\s+\\(everyone\\)\\n$`));
  });

  t.test('fh get: the same handle as an independent MOUNT client, fsid and inode as stat sees them', async (t) => {
    const independent = run('python3', [join(here, 'mount-mnt.py'), host, '20048', exportDir]).trim();
    const got = await runCli(['--json', 'fh', 'get', `${host}:${exportDir}`]);
    t.equal(got.code, 0, got.stderr);
    const doc = JSON.parse(got.stdout);
    t.equal(doc.export, `${host}:${exportDir}`);
    t.equal(doc.handle.hex, independent, 'byte-identical to the python client');
    t.equal(doc.handle.format, 'ganesha');
    t.equal(doc.handle.exportId, 1);
    t.equal(doc.handle.fsid.raw, fsidWireHex(statfsFsid), 'fsid on the wire is statfs f_fsid (stat -f -c %i)');
    t.equal(String(doc.handle.fileid.inode), inode, 'inode in the handle is stat -c %i');
    t.equal(doc.attributes.fileid, inode, 'GETATTR fileid is the inode');
    const v4 = await runCli(['--json', 'fh', 'get', `${host}:${exportDir}`, '--nfs-version', '4']);
    t.equal(v4.code, 0, v4.stderr);
    const doc4 = JSON.parse(v4.stdout);
    t.equal(doc4.attributes.fileid, inode);
    t.equal(doc4.handle.format, 'ganesha');
    const sub = await runCli(['--json', 'fh', 'get', `${host}:${exportDir}/hello.txt`]);
    t.equal(sub.code, 0, sub.stderr);
    t.equal(JSON.parse(sub.stdout).attributes.fileid, run('stat', ['-c', '%i', join(exportDir, 'hello.txt')]).trim());
    const missing = await runCli(['fh', 'get', `${host}:${exportDir}/nope`]);
    t.equal(missing.code, 1, 'a missing path is a probe failure');
    t.match(missing.stderr, /NFS3ERR_NOENT/);
    const bad = await runCli(['fh', 'get', `${host}:${exportDir}`, '--nfs-version', '5']);
    t.equal(bad.code, 2, 'bad --nfs-version is a usage error');
  });

  t.test(
    'NFSv3: LOOKUP, GETATTR, CREATE, WRITE at every stability, READ, COMMIT, READDIRPLUS, REMOVE, STALE',
    async (t) => {
      const conn = connect(host, { timeoutMs: 5000 });
      t.teardown(() => conn.close());
      const root = (await (await conn.mount(3)).mnt(exportDir)).fhandle;
      const nfs = await conn.nfs3();
      const hello = await nfs.lookup(root, 'hello.txt');
      const helloAttrs = await nfs.getattr(hello.object);
      t.equal(helloAttrs.size, 5n);
      t.equal(helloAttrs.fileid.toString(), run('stat', ['-c', '%i', join(exportDir, 'hello.txt')]).trim());

      const created = await nfs.create(root, 'new.txt', { mode: CREATEMODE3.GUARDED, objAttributes: { mode: 0o644 } });
      t.ok(created.obj, 'CREATE returns the new handle');
      const file = created.obj!.slice();
      await t.rejects(
        nfs.create(root, 'new.txt', { mode: CREATEMODE3.GUARDED, objAttributes: {} }),
        { code: 'NFS3ERR_EXIST' },
        'GUARDED create of an existing name',
      );
      const chunks = ['unstable;', 'data-sync;', 'file-sync;'];
      const levels = [STABLE_HOW.UNSTABLE, STABLE_HOW.DATA_SYNC, STABLE_HOW.FILE_SYNC];
      let offset = 0n;
      const verifiers: string[] = [];
      for (let i = 0; i < 3; i++) {
        const data = new TextEncoder().encode(chunks[i]!);
        const w = await nfs.write(file, offset, data, levels[i]!);
        t.equal(w.count, data.length, `WRITE ${i} count`);
        t.ok(
          w.committed >= levels[i]!,
          `WRITE ${i}: committed ${w.committed} is at least what was asked (${levels[i]})`,
        );
        t.equal(w.verf.length, 8);
        verifiers.push(Buffer.from(w.verf).toString('hex'));
        offset += BigInt(data.length);
      }
      t.equal(new Set(verifiers).size, 1, 'one write verifier while the server runs');
      const commit = await nfs.commit(file);
      t.equal(Buffer.from(commit.verf).toString('hex'), verifiers[0], 'COMMIT verifier matches the WRITE verifier');
      const read = await nfs.read(file, 0n, 4096);
      t.equal(Buffer.from(read.data).toString(), chunks.join(''));
      t.equal(read.eof, true);
      t.equal(readFileSync(join(exportDir, 'new.txt'), 'utf8'), chunks.join(''), 'the bytes are on disk');

      const listing = await nfs.readdirplus(root);
      const names = listing.reply.entries.map((e) => e.name).sort();
      t.same(
        names.filter((n) => !n.startsWith('.')),
        ['hello.txt', 'new.txt'],
      );
      const entry = listing.reply.entries.find((e) => e.name === 'new.txt');
      t.ok(entry?.nameHandle, 'READDIRPLUS returns handles');
      t.equal(entry?.nameAttributes?.size, BigInt(chunks.join('').length));
      const plain = await nfs.readdir(root);
      t.same(plain.reply.entries.map((e) => e.name).sort(), [...listing.reply.entries.map((e) => e.name)].sort());

      await nfs.remove(root, 'new.txt');
      const stale = await nfs.getattr(file).then(
        () => undefined,
        (error: unknown) => error,
      );
      t.ok(stale instanceof NfsError, 'GETATTR of a removed file fails with NfsError');
      t.equal((stale as NfsError).code, 'NFS3ERR_STALE');
      t.equal((stale as NfsError).status, 70);
      const fsinfo = await nfs.fsinfo(root);
      t.ok(fsinfo.rtmax > 0);
      const pathconf = await nfs.pathconf(root);
      t.ok(pathconf.nameMax >= 255);
      await nfs.fsstat(root);
      await nfs.access(root, 0x3f);
    },
  );

  t.test('NFSv3: SETATTR, MKDIR, SYMLINK, READLINK, LINK, RENAME, MKNOD, RMDIR', async (t) => {
    const conn = connect(host, { timeoutMs: 5000 });
    t.teardown(() => conn.close());
    const root = (await (await conn.mount(3)).mnt(exportDir)).fhandle;
    const nfs = await conn.nfs3();
    const dir = await nfs.mkdir(root, 'dir', { mode: 0o755 });
    t.ok(dir.obj, 'MKDIR returns the handle');
    const file = (await nfs.create(dir.obj!.slice(), 'f'))!.obj!.slice();
    await nfs.write(file, 0n, new TextEncoder().encode('0123456789'), STABLE_HOW.FILE_SYNC);
    const set = await nfs.setattr(file, { size: 4n, mode: 0o600 });
    t.equal(set.objWcc.after?.size, 4n, 'SETATTR truncates');
    t.equal((set.objWcc.after?.mode ?? 0) & 0o777, 0o600);
    const link = await nfs.symlink(root, 'link', 'dir/f');
    t.ok(link.obj);
    t.equal((await nfs.readlink(link.obj!.slice())).data, 'dir/f');
    await nfs.link(file, root, 'hard');
    t.equal((await nfs.getattr(file)).nlink, 2, 'LINK adds a name');
    await nfs.rename(root, 'hard', root, 'hard2');
    t.equal(readFileSync(join(exportDir, 'hard2'), 'utf8'), '0123');
    const fifo = await nfs.mknod(root, 'fifo', { type: 7, pipeAttributes: { mode: 0o644 } }).then(
      (r) => r.obj !== undefined,
      (error: NfsError) => error.code,
    );
    t.ok(fifo === true || fifo === 'NFS3ERR_NOTSUPP', `MKNOD of a FIFO: ${String(fifo)}`);
    await t.rejects(nfs.rmdir(root, 'dir'), { code: 'NFS3ERR_NOTEMPTY' }, 'RMDIR of a non-empty directory');
    await nfs.remove(dir.obj!.slice(), 'f');
    await nfs.rmdir(root, 'dir');
    await t.rejects(nfs.lookup(root, 'dir'), { code: 'NFS3ERR_NOENT' });
    for (const name of ['link', 'hard2', 'fifo']) await nfs.remove(root, name).catch(() => {});
  });

  t.test('MOUNT: NULL, EXPORT over v1 and v3, DUMP, UMNT, UMNTALL', async (t) => {
    const conn = connect(host, { timeoutMs: 5000 });
    t.teardown(() => conn.close());
    const v3 = await conn.mount(3);
    await v3.null();
    await v3.mnt(exportDir);
    const dump = await v3.dump();
    t.ok(Array.isArray(dump), `DUMP lists ${dump.length} mounts (ganesha keeps none)`);
    await v3.umnt(exportDir);
    await v3.umntall();
    const v1 = await conn.mount(1);
    await v1.null();
    t.same(
      (await v1.export()).map((e) => e.dir),
      [exportDir],
      'MOUNT v1 EXPORT',
    );
    await t.rejects(v3.mnt('/not-exported'), NfsError, 'MNT of a path that is not exported');
  });

  t.test('NFSv4.0: PUTROOTFH/LOOKUP/GETFH/GETATTR on the pseudo path, ACCESS, READDIR, SECINFO', async (t) => {
    const conn = connect(host, { timeoutMs: 5000 });
    t.teardown(() => conn.close());
    const nfs4 = await conn.nfs4(0);
    const got = await nfs4.lookupPath(exportDir, [
      FATTR4.supported_attrs,
      FATTR4.type,
      FATTR4.change,
      FATTR4.size,
      FATTR4.fsid,
      FATTR4.lease_time,
      FATTR4.fileid,
      FATTR4.mounted_on_fileid,
    ]);
    const v = got.attributes.values;
    t.equal(v.type, NF4TYPE.NF4DIR);
    t.equal(v.fileid?.toString(), inode);
    t.ok(v.supportedAttrs?.includes(FATTR4.fileid), 'supported_attrs lists fileid');
    t.ok((v.leaseTime ?? 0) > 0, 'lease_time');
    t.ok(v.fsid !== undefined && v.change !== undefined && v.size !== undefined);
    const parts = exportDir.split('/').filter((p) => p !== '');
    const b = nfs4.build('interop').putrootfh();
    for (const p of parts) b.lookup(p);
    b.getfh()
      .access(0x3f)
      .readdir({ attrs: [FATTR4.type, FATTR4.fileid] })
      .secinfo('hello.txt');
    const res = await b.send();
    t.equal(res.status, 0, 'COMPOUND status');
    const rd = res.results.find((r) => r.op === 'READDIR');
    t.ok(rd?.op === 'READDIR' && rd.result?.entries.some((e) => e.name === 'hello.txt'));
    const si = res.results.find((r) => r.op === 'SECINFO');
    t.ok(si?.op === 'SECINFO' && si.result?.some((s) => s.flavor === 1), 'SECINFO lists AUTH_SYS');
    const lookupp = await nfs4.build().putfh(got.handle).lookupp().getfh().send();
    t.equal(lookupp.status, 0, 'LOOKUPP from the export');
    const bad = await nfs4.build().putrootfh().lookup('no-such-dir').getfh().send();
    t.equal(bad.results.length, 2, 'the server stops at the failed LOOKUP');
    t.equal(bad.results[1]?.status, 2, 'NFS4ERR_NOENT on the LOOKUP');
    const pub = await nfs4.build().putpubfh().getfh().send();
    t.ok(pub.results[0]?.status !== undefined, 'PUTPUBFH answered');
  });

  t.test('NFSv4.1: EXCHANGE_ID, CREATE_SESSION, SEQUENCE + lookups, DESTROY_SESSION', async (t) => {
    const conn = connect(host, { timeoutMs: 5000 });
    t.teardown(() => conn.close());
    const nfs41 = await conn.nfs4(1);
    const session = await nfs41.createSession();
    t.equal(session.sessionId.length, 16);
    const got = await nfs41.lookupPath(exportDir);
    t.equal(got.attributes.values.fileid?.toString(), inode);
    const again = await nfs41.lookupPath(`${exportDir}/hello.txt`);
    t.equal(again.attributes.values.size, 5n);
    await nfs41.destroySession();
    t.equal(nfs41.currentSession, undefined);
  });

  t.test('tshark decodes the capture without malformed packets', async (t) => {
    await stopCapture(tshark, capture);
    const problems = withoutTsharkNfs4BitmapNote(tsharkProblems(capture, TSHARK_RPC_BY_CONTENT));
    t.same(problems, [], 'no expert errors or malformed packets');
    const nfsFrames = run('tshark', [
      '-r',
      capture,
      ...TSHARK_RPC_BY_CONTENT,
      '-Y',
      'nfs || mount',
      '-T',
      'fields',
      '-e',
      'frame.number',
    ]);
    const frames = nfsFrames.trim().split('\n').length;
    t.ok(frames > 20, `the capture has NFS and MOUNT traffic (${frames} frames)`);
  });
}
