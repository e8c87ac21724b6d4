// Finding an NFS server's MOUNT and NFS ports through rpcbind (RFC 1833) and picking transports, then handing out
// MOUNT, NFSv3 and NFSv4 clients that share the connection set.
import { hostname } from 'node:os';
import { authSys, type OpaqueAuth, PROGRAMS, RpcbindClient, RpcClient } from '../rpc/index.js';
import { NfsError, NO_PORT } from './errors.js';
import { MOUNT_PROGRAM } from './mount.js';
import { MountClient } from './mount-client.js';
import { Nfs3Client } from './nfs3/client.js';
import { Nfs4Client } from './nfs4/client.js';

/** NFSv4 servers need not register with rpcbind; RFC 7530 section 3.1 fixes this port. */
export const NFS_DEFAULT_PORT = 2049;

export type Transport = 'udp' | 'tcp';

export interface ConnectOptions {
  /** rpcbind port on the server (default 111). */
  rpcbindPort?: number;
  /** Skip rpcbind for MOUNT / NFS: use these ports. */
  mountPort?: number;
  nfsPort?: number;
  /** MOUNT transport; default UDP (as showmount does), then TCP if UDP is not registered. */
  mountTransport?: Transport;
  /** NFSv3 transport; default TCP, then UDP if TCP is not registered. NFSv4 always uses TCP. */
  nfsTransport?: Transport;
  timeoutMs?: number;
  /** Credential for every call; default AUTH_SYS with this process's uid/gid (what a kernel client sends). */
  cred?: OpaqueAuth;
  /** Send from a reserved port (knfsd's `secure` export option wants one); default: when running as root. */
  privilegedPort?: boolean;
}

/** The credential a Unix client would send: AUTH_SYS with our uid, gid and host name. */
export function defaultCredential(): OpaqueAuth {
  const uid = process.getuid?.() ?? 65534;
  const gid = process.getgid?.() ?? 65534;
  return authSys({ machineName: hostname().slice(0, 255), uid, gid, gids: [gid] });
}

/** One server. Clients are created on demand and closed together by `close()`. */
export class NfsConnection {
  readonly host: string;
  private readonly options: ConnectOptions;
  private readonly cred: OpaqueAuth;
  private readonly rpcClients: RpcClient[] = [];
  private rpcbind: RpcbindClient | undefined;
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(host: string, options: ConnectOptions = {}) {
    this.host = host;
    this.options = options;
    this.cred = options.cred ?? defaultCredential();
  }

  get timeoutMs(): number {
    return this.options.timeoutMs ?? 5000;
  }

  /** The server's rpcbind client (created on first use; closed with the connection). */
  rpcbindClient(): RpcbindClient {
    if (this.rpcbind === undefined) {
      this.rpcbind = new RpcbindClient({
        host: this.host,
        port: this.options.rpcbindPort ?? 111,
        transport: 'udp',
        timeoutMs: this.timeoutMs,
      });
    }
    return this.rpcbind;
  }

  /** Port and transport for `program`/`version`: explicit port, else rpcbind, trying `preferred` then the other. */
  async locate(
    program: number,
    version: number,
    preferred: Transport,
    explicitPort?: number,
    fallbackPort?: number,
  ): Promise<{ port: number; transport: Transport }> {
    if (explicitPort !== undefined) return { port: explicitPort, transport: preferred };
    const other: Transport = preferred === 'udp' ? 'tcp' : 'udp';
    for (const transport of [preferred, other]) {
      const port = await this.rpcbindClient().getPort(program, version, transport);
      if (port !== 0) return { port, transport };
    }
    if (fallbackPort !== undefined) return { port: fallbackPort, transport: preferred };
    const name = program === MOUNT_PROGRAM ? 'mountd' : program === PROGRAMS.nfs ? 'nfs' : String(program);
    throw new NfsError(
      NO_PORT,
      -1,
      `${name} version ${version} is not registered with rpcbind on ${this.host} (check the server, or pass the port)`,
    );
  }

  private rpc(port: number, transport: Transport): RpcClient {
    const client = new RpcClient({
      host: this.host,
      port,
      transport,
      timeoutMs: this.timeoutMs,
      cred: this.cred,
      privilegedPort: this.options.privilegedPort ?? process.getuid?.() === 0,
    });
    this.rpcClients.push(client);
    return client;
  }

  /** One client per kind, created on first use. */
  private cached<T>(key: string, make: () => Promise<T>): Promise<T> {
    let client = this.cache.get(key) as Promise<T> | undefined;
    if (client === undefined) {
      client = make();
      this.cache.set(key, client);
      client.catch(() => this.cache.delete(key));
    }
    return client;
  }

  mount(version: 1 | 3 = 3): Promise<MountClient> {
    return this.cached(`mount${version}`, () => this.newMount(version));
  }

  nfs3(): Promise<Nfs3Client> {
    return this.cached('nfs3', () => this.newNfs3());
  }

  /** NFSv4 over TCP (port from rpcbind when registered, else 2049). A new client each call: sessions are per client. */
  nfs4(minorVersion: 0 | 1 = 0): Promise<Nfs4Client> {
    return this.newNfs4(minorVersion);
  }

  private async newMount(version: 1 | 3): Promise<MountClient> {
    const { port, transport } = await this.locate(
      MOUNT_PROGRAM,
      version,
      this.options.mountTransport ?? 'udp',
      this.options.mountPort,
    );
    return new MountClient(this.rpc(port, transport), version);
  }

  private async newNfs3(): Promise<Nfs3Client> {
    const { port, transport } = await this.locate(
      PROGRAMS.nfs,
      3,
      this.options.nfsTransport ?? 'tcp',
      this.options.nfsPort,
    );
    return new Nfs3Client(this.rpc(port, transport));
  }

  private async newNfs4(minorVersion: 0 | 1): Promise<Nfs4Client> {
    let port = this.options.nfsPort;
    if (port === undefined) {
      try {
        port = (await this.locate(PROGRAMS.nfs, 4, 'tcp', undefined, NFS_DEFAULT_PORT)).port;
      } catch {
        port = NFS_DEFAULT_PORT;
      }
    }
    return new Nfs4Client(this.rpc(port, 'tcp'), { minorVersion });
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = this.rpcClients.map((c) => c.close());
    if (this.rpcbind !== undefined) all.push(this.rpcbind.close());
    this.rpcClients.length = 0;
    this.cache.clear();
    this.rpcbind = undefined;
    await Promise.allSettled(all);
  }
}

/** A connection to `host` (name or address). Nothing is sent until a client is asked for. */
export function connect(host: string, options: ConnectOptions = {}): NfsConnection {
  return new NfsConnection(host, options);
}
