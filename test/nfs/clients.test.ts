// MOUNT, NFSv3 and NFSv4 clients over a scripted RpcCaller: statuses become NfsError with RFC names, COMPOUND
// builder, 4.1 SEQUENCE handling. (The same clients against real ganesha: test/nfs/ganesha-*.test.ts.)
import t, { type Test } from 'tap';
import type { RpcCaller } from '../../src/nfs/caller.js';
import { NfsError } from '../../src/nfs/errors.js';
import { exportList, MOUNT_PROGRAM, mountres3 } from '../../src/nfs/mount.js';
import { MountClient } from '../../src/nfs/mount-client.js';
import { GETATTR3args, GETATTR3res, LOOKUP3res, NFSPROC3, Nfs3Client } from '../../src/nfs/nfs3/index.js';
import { COMPOUND4args, COMPOUND4res, type Compound4Res, Nfs4Client, type Nfs4Op } from '../../src/nfs/nfs4/index.js';
import { XdrReader, XdrWriter } from '../../src/xdr/index.js';
import { encode } from './codec-check.js';

interface Call {
  program: number;
  version: number;
  procedure: number;
  args: Uint8Array;
}

function scripted(reply: (call: Call) => Uint8Array): RpcCaller & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async call(program, version, procedure, args) {
      let bytes: Uint8Array;
      if (typeof args === 'function') {
        const w = new XdrWriter();
        args(w);
        bytes = w.finish();
      } else bytes = args;
      const call = { program, version, procedure, args: bytes };
      calls.push(call);
      return { body: reply(call) };
    },
  };
}

function expectNfsError(t: Test, promise: Promise<unknown>, code: string, status?: number) {
  return promise.then(
    () => t.fail(`expected ${code}`),
    (error: unknown) => {
      t.ok(error instanceof NfsError, 'NfsError');
      t.equal((error as NfsError).code, code);
      if (status !== undefined) t.equal((error as NfsError).status, status);
    },
  );
}

const fh = Uint8Array.from([1, 2, 3, 4]);

t.test('MountClient', async (t) => {
  const caller = scripted((call) => {
    if (call.procedure === 1) {
      const path = new XdrReader(call.args).readString();
      if (path === '/secret') return encode(mountres3, { status: 13 });
      return encode(mountres3, { status: 0, fhandle: fh, authFlavors: [1] });
    }
    return encode(exportList, [{ dir: '/srv', groups: ['*'] }]);
  });
  const mount = new MountClient(caller);
  t.same(await mount.mnt('/srv'), { fhandle: fh, authFlavors: [1] });
  t.equal(caller.calls[0]!.program, MOUNT_PROGRAM);
  t.equal(caller.calls[0]!.version, 3);
  await expectNfsError(t, mount.mnt('/secret'), 'MNT3ERR_ACCES', 13);
  t.same(await mount.export(), [{ dir: '/srv', groups: ['*'] }]);
});

t.test('Nfs3Client: NFS3ERR_STALE and BAD_REPLY', async (t) => {
  const caller = scripted((call) => {
    if (call.procedure === NFSPROC3.GETATTR) {
      const args = GETATTR3args.decode(new XdrReader(call.args));
      if (args.object[0] === 9) return encode(GETATTR3res, { status: 70, resfail: undefined });
      if (args.object[0] === 8) return Uint8Array.from([0, 0, 0, 0, 0, 0]);
    }
    return encode(LOOKUP3res, { status: 2, resfail: { dirAttributes: undefined } });
  });
  const nfs = new Nfs3Client(caller);
  await expectNfsError(t, nfs.getattr(Uint8Array.from([9])), 'NFS3ERR_STALE', 70);
  await expectNfsError(t, nfs.getattr(Uint8Array.from([8])), 'BAD_REPLY', -1);
  await expectNfsError(t, nfs.lookup(fh, 'missing'), 'NFS3ERR_NOENT', 2);
  t.equal(caller.calls[2]!.procedure, NFSPROC3.LOOKUP);
});

t.test('Nfs4Client: lookupPath builds PUTROOTFH/LOOKUP/GETFH/GETATTR', async (t) => {
  const sent: Nfs4Op[][] = [];
  const caller = scripted((call) => {
    const args = COMPOUND4args.decode(new XdrReader(call.args));
    sent.push(args.ops);
    const results: Compound4Res['results'] = args.ops.map((op) => {
      if (op.op === 'GETFH') return { op: 'GETFH', status: 0, result: { fh } };
      if (op.op === 'GETATTR') return { op: 'GETATTR', status: 0, result: { attrmask: [20], values: { fileid: 42n } } };
      if (op.op === 'LOOKUP' && op.args.name === 'missing') return { op: 'LOOKUP', status: 2 };
      return { op: op.op, status: 0 } as never;
    });
    const cut = results.findIndex((r) => r.status !== 0);
    const kept = cut < 0 ? results : results.slice(0, cut + 1);
    return encode(COMPOUND4res, { status: cut < 0 ? 0 : 2, tag: args.tag, results: kept });
  });
  const nfs4 = new Nfs4Client(caller);
  const got = await nfs4.lookupPath('/export/sub');
  t.same(got.handle, fh);
  t.equal(got.attributes.values.fileid, 42n);
  t.same(
    sent[0]!.map((o) => o.op),
    ['PUTROOTFH', 'LOOKUP', 'LOOKUP', 'GETFH', 'GETATTR'],
  );
  await nfs4.lookupPath('/export/missing').then(
    () => t.fail('expected NOENT'),
    (error: NfsError) => {
      t.equal(error.code, 'NFS4ERR_NOENT');
      t.equal(error.procedure, 'COMPOUND[2] LOOKUP');
    },
  );
});

t.test('Nfs4Client 4.1: EXCHANGE_ID, CREATE_SESSION, SEQUENCE on every compound, DESTROY_*', async (t) => {
  const session = new Uint8Array(16).fill(5);
  const sequenceIds: number[] = [];
  const caller = scripted((call) => {
    const args = COMPOUND4args.decode(new XdrReader(call.args));
    t.equal(args.minorVersion, 1);
    const results = args.ops.map((op): Compound4Res['results'][number] => {
      switch (op.op) {
        case 'EXCHANGE_ID':
          return {
            op: 'EXCHANGE_ID',
            status: 0,
            result: {
              clientId: 77n,
              sequenceId: 1,
              flags: 0,
              stateProtect: { how: 0 },
              serverOwner: { minorId: 0n, majorId: fh },
              serverScope: fh,
            },
          };
        case 'CREATE_SESSION':
          t.equal(op.args.clientId, 77n);
          return {
            op: 'CREATE_SESSION',
            status: 0,
            result: {
              sessionId: session,
              sequence: 1,
              flags: 0,
              foreChannel: op.args.foreChannel,
              backChannel: op.args.backChannel,
            },
          };
        case 'SEQUENCE':
          sequenceIds.push(op.args.sequenceId);
          return {
            op: 'SEQUENCE',
            status: 0,
            result: {
              sessionId: session,
              sequenceId: op.args.sequenceId,
              slotId: 0,
              highestSlotId: 0,
              targetHighestSlotId: 0,
              statusFlags: 0,
            },
          };
        case 'GETFH':
          return { op: 'GETFH', status: 0, result: { fh } };
        case 'GETATTR':
          return { op: 'GETATTR', status: 0, result: { attrmask: [], values: {} } };
        default:
          return { op: op.op, status: 0 } as never;
      }
    });
    return encode(COMPOUND4res, { status: 0, tag: args.tag, results });
  });
  const nfs4 = new Nfs4Client(caller, { minorVersion: 1 });
  const s = await nfs4.createSession();
  t.same(s.sessionId, session);
  await nfs4.lookupPath('/a');
  await nfs4.lookupPath('/b');
  t.same(sequenceIds, [1, 2], 'SEQUENCE ids advance per compound');
  await nfs4.destroySession();
  t.equal(nfs4.currentSession, undefined);
  t.equal(caller.calls.length, 6);
});
