// Real replies captured from nfs-ganesha 4.3 (VFS FSAL, ext4-backed overlay directory) by the interop tests' tshark
// capture: decode, check fields against what the capture showed, and re-encode to the same bytes (mirror test).
import t from 'tap';
import { mountres3 } from '../../src/nfs/mount.js';
import { GETATTR3res, READDIRPLUS3res } from '../../src/nfs/nfs3/index.js';
import { readSuccessfulReplyHeader } from '../../src/nfs/reply.js';
import { XdrReader } from '../../src/xdr/index.js';
import { encode, hex } from './codec-check.js';

/** Strip the TCP record mark (RFC 5531 section 11) and the RPC reply header; the rest is the procedure's results. */
function results(record: Uint8Array, tcp: boolean): Uint8Array {
  const message = tcp ? record.subarray(4) : record;
  const r = new XdrReader(message);
  readSuccessfulReplyHeader(r);
  return message.subarray(r.offset);
}

t.test('GETATTR3res from ganesha (TCP record)', async (t) => {
  const record = hex(`
    80000070                     # record mark: last fragment, 112 bytes
    eeb139ea 00000001 00000000   # xid, REPLY, MSG_ACCEPTED
    00000000 00000000 00000000   # verifier AUTH_NONE, empty; SUCCESS
    00000000                     # NFS3_OK
    00000002 000001ed 00000002   # NF3DIR, mode 0755, nlink 2
    00000000 00000000            # uid, gid
    0000000000001000 0000000000001000   # size, used
    00000000 00000000            # rdev
    7b0273737481399d             # fsid (statfs f_fsid words swapped by ganesha)
    000000000021e4a2             # fileid 2221218
    6b0614fb 18dd0d96  6b0614fb 18dd0d96  6b0614fb 18dd0d96   # atime, mtime, ctime
  `);
  const body = results(record, true);
  const res = GETATTR3res.decode(new XdrReader(body));
  t.ok('resok' in res);
  if (!('resok' in res)) return;
  const a = res.resok.objAttributes;
  t.equal(a.type, 2);
  t.equal(a.mode, 0o755);
  t.equal(a.fileid, 2221218n);
  t.equal(a.fsid, 0x7b0273737481399dn);
  t.same(a.mtime, { seconds: 0x6b0614fb, nseconds: 0x18dd0d96 });
  t.same(encode(GETATTR3res, res), body, 're-encodes to the captured bytes');
});

const READDIRPLUS_RECORD = [
  '800002e0fd645c5c0000000100000000000000000000000000000000000000000000000100000002000001ed00000002',
  '00000000000000000000000000001000000000000000100000000000000000007b0273737481399d000000000021e4a2',
  '6b0614fb18dd0d966b0614fb32d9e29f6b0614fb32d9e29f000000000000000000000001000000000021e4a200000001',
  '2e00000000000000000000010000000100000002000001ed000000020000000000000000000000000000100000000000',
  '0000100000000000000000007b0273737481399d000000000021e4a26b0614fb18dd0d966b0614fb32d9e29f6b0614fb',
  '32d9e29f00000001000000184300000112449d3981747373027b01a2e4210031d8830c0000000001000000000021e4a2',
  '000000022e2e000000000000000000020000000100000002000001ed0000000200000000000000000000000000001000',
  '000000000000100000000000000000007b0273737481399d000000000021e4a26b0614fb18dd0d966b0614fb32d9e29f',
  '6b0614fb32d9e29f00000001000000184300000112449d3981747373027b01a2e4210031d8830c000000000100000000',
  '0021e4b30000000968656c6c6f2e747874000000583a64d73040ba1e0000000100000001000001a40000000100000000',
  '000000000000000000000005000000000000100000000000000000007b0273737481399d000000000021e4b36b0614fb',
  '18dd0d966b0614fb18dd0d966b0614fb18dd0d9600000001000000184300000112449d3981747373027b01b3e4210006',
  '060a380000000001000000000021e4c4000000076e65772e747874007fffffffffffffff0000000100000001000001a4',
  '000000010000000000000000000000000000001d000000000000100000000000000000007b0273737481399d00000000',
  '0021e4c46b0614fb33bf58506b0614fb338da7a06b0614fb338da7a000000001000000184300000112449d3981747373',
  '027b01c4e4210054fde4c6000000000000000001',
].join('');

t.test('READDIRPLUS3res from ganesha: ., .., hello.txt, new.txt with attributes and handles', async (t) => {
  const body = results(hex(READDIRPLUS_RECORD), true);
  const res = READDIRPLUS3res.decode(new XdrReader(body));
  t.ok('resok' in res);
  if (!('resok' in res)) return;
  const entries = res.resok.reply.entries;
  t.same(
    entries.map((e) => e.name),
    ['.', '..', 'hello.txt', 'new.txt'],
  );
  t.equal(res.resok.reply.eof, true);
  const hello = entries.find((e) => e.name === 'hello.txt')!;
  t.equal(hello.nameAttributes?.size, 5n);
  t.equal(hello.nameAttributes?.fileid, hello.fileid, 'entry fileid is the attributes fileid');
  t.equal(hello.nameHandle?.[0], 0x43, 'a ganesha handle');
  t.same(encode(READDIRPLUS3res, res), body, 're-encodes to the captured bytes');
});

t.test('MOUNT MNT reply to the independent python client (UDP)', async (t) => {
  const message = hex(`
    6e667370 00000001 00000000   # xid "nfsp", REPLY, MSG_ACCEPTED
    00000000 00000000 00000000   # verifier AUTH_NONE, empty; SUCCESS
    00000000                     # MNT3_OK
    00000018 4300000112449d3981747373027b01a2e4210031d8830c00   # fhandle3, 24 bytes
    00000001 00000001            # auth_flavors: AUTH_SYS
  `);
  const body = results(message, false);
  const res = mountres3.decode(new XdrReader(body));
  t.ok('fhandle' in res);
  if (!('fhandle' in res)) return;
  t.equal(Buffer.from(res.fhandle).toString('hex'), '4300000112449d3981747373027b01a2e4210031d8830c00');
  t.same(res.authFlavors, [1]);
  t.same(encode(mountres3, res), body);
});
