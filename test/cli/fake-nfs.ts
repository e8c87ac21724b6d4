// A minimal NFS server for CLI tests, in this process: portmap v2 (GETPORT, DUMP), MOUNT v3 (EXPORT, MNT, UMNT) and
// NFSv3 GETATTR on one RpcServer. One export; MNT of any other path is refused with MNT3ERR_ACCES, as a server
// answers a client it does not export to. With `statd`, also NSM SM_STAT and rpcbind v3/v4 GETADDR, with statd's
// IPv4 (`udp`) registration at another, dead port: a client of an IPv6 address must ask for netid udp6.
import { exportList, MOUNT_PROGRAM, MOUNTPROC, MOUNTSTAT3, mountres3 } from '../../src/nfs/mount.js';
import { GETATTR3res } from '../../src/nfs/nfs3/procedures.js';
import { NSM_PROGRAM, procedures as nsmProcedures, SM_STAT } from '../../src/nsm/protocol.js';
import {
  decodeRpcb,
  encodeMapping,
  formatUniversalAddress,
  IPPROTO_TCP,
  IPPROTO_UDP,
  PMAP_PROGRAM,
  type RpcHandler,
  RpcServer,
  writeChain,
} from '../../src/rpc/index.js';

export const FAKE_EXPORT = '/srv/export';
/** knfsd v1, FSID_DEV 8:1, export-root inode 2, INO32_GEN inode 3000 (the demo's primary handle). */
export const FAKE_HANDLE = '010000010008000102000000b80b0000a1fe0b73';
const NFS_PROGRAM = 100003;

export interface FakeNfs {
  /** The rpcbind port: `127.0.0.1:${port}` is the HOST:PORT the commands take. */
  port: number;
  close(): Promise<void>;
}

export interface FakeNfsOptions {
  /** Listen here (default 127.0.0.1). */
  address?: string;
  /** Serve NSM with this state; the portmap dump lists statd's IPv4 port as `ipv4Port` (nobody answers there). */
  statd?: { state: number; ipv4Port: number };
}

export async function startFakeNfs(o: FakeNfsOptions = {}): Promise<FakeNfs> {
  const server = new RpcServer();
  const address = o.address ?? '127.0.0.1';
  const statd = o.statd;
  let ports = { udp: 0, tcp: 0 };
  server.addProgram(PMAP_PROGRAM, 2, {
    // PMAPPROC_GETPORT(mapping): this server for MOUNT and NFS, 0 (not registered) for anything else
    3: (args) => {
      const program = args.readUnsignedInt();
      args.readUnsignedInt();
      const protocol = args.readUnsignedInt();
      const port =
        program === MOUNT_PROGRAM || program === NFS_PROGRAM ? ports[protocol === IPPROTO_TCP ? 'tcp' : 'udp'] : 0;
      return (w) => w.writeUnsignedInt(port);
    },
    // PMAPPROC_DUMP
    4: () => (w) =>
      writeChain(
        w,
        [
          { program: PMAP_PROGRAM, version: 2, protocol: IPPROTO_UDP, port: ports.udp },
          { program: MOUNT_PROGRAM, version: 3, protocol: IPPROTO_UDP, port: ports.udp },
          { program: NFS_PROGRAM, version: 3, protocol: IPPROTO_TCP, port: ports.tcp },
          ...(statd ? [{ program: NSM_PROGRAM, version: 1, protocol: IPPROTO_UDP, port: statd.ipv4Port }] : []),
        ],
        encodeMapping,
      ),
  });
  if (statd !== undefined) {
    // RPCBPROC_GETADDR (v3 and v4): statd on udp6/tcp6 is this server; anything else is not registered.
    const getAddr: RpcHandler = (args) => {
      const query = decodeRpcb(args);
      const six = query.program === NSM_PROGRAM && (query.netid === 'udp6' || query.netid === 'tcp6');
      const uaddr = six ? formatUniversalAddress(address, query.netid === 'udp6' ? ports.udp : ports.tcp) : '';
      return (w) => w.writeString(uaddr);
    };
    server.addProgram(PMAP_PROGRAM, 3, { 3: getAddr });
    server.addProgram(PMAP_PROGRAM, 4, { 3: getAddr });
    server.addProgram(NSM_PROGRAM, 1, {
      [SM_STAT]: (args) => {
        nsmProcedures[SM_STAT].args.decode(args);
        return (w) => nsmProcedures[SM_STAT].result.encode(w, { resStat: 0, state: statd.state });
      },
    });
  }
  server.addProgram(MOUNT_PROGRAM, 3, {
    [MOUNTPROC.MNT]: (args) => {
      const path = args.readString();
      return (w) =>
        mountres3.encode(
          w,
          path === FAKE_EXPORT
            ? { status: 0, fhandle: Uint8Array.from(Buffer.from(FAKE_HANDLE, 'hex')), authFlavors: [1] }
            : { status: MOUNTSTAT3.MNT3ERR_ACCES },
        );
    },
    [MOUNTPROC.UMNT]: () => undefined,
    [MOUNTPROC.EXPORT]: () => (w) => exportList.encode(w, [{ dir: FAKE_EXPORT, groups: ['*'] }]),
  });
  const time = { seconds: 1_764_000_000, nseconds: 0 };
  server.addProgram(NFS_PROGRAM, 3, {
    1: () => (w) =>
      GETATTR3res.encode(w, {
        status: 0,
        resok: {
          objAttributes: {
            type: 2,
            mode: 0o755,
            nlink: 2,
            uid: 0,
            gid: 0,
            size: 4096n,
            used: 4096n,
            rdev: { specdata1: 0, specdata2: 0 },
            fsid: 2049n,
            fileid: 3000n,
            atime: time,
            mtime: time,
            ctime: time,
          },
        },
      }),
  });
  const bound = await server.listen({ address });
  ports = { udp: bound.udpPort ?? 0, tcp: bound.tcpPort ?? 0 };
  return { port: ports.udp, close: () => server.close() };
}
