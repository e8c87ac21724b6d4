// A self-contained demonstration of the failover checks and the takeover notify, on built-in data and simulated
// clients on loopback: needs no NFS server, no root and no rpcbind. `nfsprobe demo` runs it.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareFileHandles, decodeFileHandle } from '../nfs/fh/index.js';
import { NsmListener } from '../nsm/listener.js';
import { type NotifyReport, notifyAll } from '../nsm/notifier.js';
import { StatdDirectory } from '../nsm/statd-directory.js';
import { PROGRAMS } from '../rpc/programs.js';

/** Handles as a primary and a standby hand them out: same export, different block device (8:1 vs 253:3). */
export const DEMO_HANDLES = {
  // knfsd v1, FSID_DEV 8:1, export-root inode 2, INO32_GEN inode 3000 generation 0x730bfea1
  primary: '010000010008000102000000b80b0000a1fe0b73',
  // the same file seen through device-mapper on the standby: FSID_DEV 253:3
  standby: '0100000100fd000302000000b80b0000a1fe0b73',
  // the same file exported with fsid=1: FSID_NUM, no device numbers on the wire
  withFsid: '0100010101000000b80b0000a1fe0b73',
} as const;

export interface DemoClient {
  name: string;
  address: string;
  /** false: the simulated client is powered off (nothing listens on its address). */
  up: boolean;
  received: { monName: string; state: number }[];
}

export interface DemoResult {
  handles: {
    primary: ReturnType<typeof decodeFileHandle>;
    standby: ReturnType<typeof decodeFileHandle>;
    withFsid: ReturnType<typeof decodeFileHandle>;
    comparison: ReturnType<typeof compareFileHandles>;
  };
  notify: NotifyReport;
  clients: DemoClient[];
}

export interface DemoOptions {
  /** Simulated clients (default 12); every fourth is down. */
  clients?: number;
  /** The floating name announced in SM_NOTIFY. */
  monName?: string;
  /** How long to keep retrying the clients that are down (default 2 s). */
  retryDeadlineMs?: number;
  onProgress?: (line: string) => void;
  /**
   * An empty directory for the demo's statd directory (sm/, sm.bak/, state), which the caller removes. Default: a
   * fresh `nfsprobe-demo-*` under the system temp directory, removed when the demo ends (a caller that may be killed
   * mid-run, like the CLI, passes its own and removes it on every exit path).
   */
  directory?: string;
}

/**
 * Runs the demo: decodes the built-in handles and compares them; then writes a statd directory with one record per
 * simulated client, starts the clients that are up (each answers rpcbind GETPORT and NSM on its own 127.0.0.x
 * address), runs the notifier over the directory, and reports what every client received.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const count = options.clients ?? 12;
  const monName = options.monName ?? 'nfs-ha.demo';
  const progress = options.onProgress ?? (() => {});
  const primary = decodeFileHandle(hexBytes(DEMO_HANDLES.primary));
  const standby = decodeFileHandle(hexBytes(DEMO_HANDLES.standby));
  const withFsid = decodeFileHandle(hexBytes(DEMO_HANDLES.withFsid));
  const comparison = compareFileHandles(primary, standby);

  const root = options.directory ?? (await mkdtemp(join(tmpdir(), 'nfsprobe-demo-')));
  const listeners: NsmListener[] = [];
  try {
    const clients: DemoClient[] = [];
    for (let i = 0; i < count; i++) {
      clients.push({
        name: `client-${String(i + 1).padStart(2, '0')}.demo`,
        address: `127.0.0.${i + 10}`,
        up: i % 4 !== 3,
        received: [],
      });
    }
    const port = await startClients(clients, listeners);
    progress(`started ${clients.filter((c) => c.up).length} simulated clients on 127.0.0.x:${port}`);

    await mkdir(join(root, 'sm'));
    await mkdir(join(root, 'sm.bak'));
    const directory = new StatdDirectory(root);
    for (const client of clients) await directory.addRecord({ monName: client.name, myName: 'nfs-primary' });
    progress(`wrote ${clients.length} monitor records to ${root}/sm`);

    const byName = new Map(clients.map((c) => [c.name, c.address]));
    const notify = await notifyAll({
      directory,
      monNames: [monName],
      rpcbindPort: port,
      privilegedPort: false,
      kernelStatePath: null,
      liftGrace: false,
      retryDeadlineMs: options.retryDeadlineMs ?? 2000,
      firstTimeoutMs: 500,
      resolve: async (name) => {
        const address = byName.get(name);
        return address === undefined ? [] : [address];
      },
    });
    return { handles: { primary, standby, withFsid, comparison }, notify, clients };
  } finally {
    await Promise.all(listeners.map((l) => l.close().catch(() => {})));
    if (options.directory === undefined) await rm(root, { recursive: true, force: true });
  }
}

/** Start the clients that are up on one common port (rpcbind's "well-known" port for this demo). */
async function startClients(clients: DemoClient[], listeners: NsmListener[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    let port = 0;
    try {
      for (const client of clients) {
        if (!client.up) continue;
        const listener = new NsmListener({ state: 1 });
        listeners.push(listener);
        // Each simulated client answers rpcbind GETPORT (portmap v2, procedure 3) for status with its own port.
        listener.server.addProgram(PROGRAMS.portmapper, 2, {
          3: () => (w) => w.writeUnsignedInt(port),
        });
        listener.on('notify', (event) => client.received.push({ monName: event.monName, state: event.state }));
        const bound = await listener.listen({ address: client.address, port, transports: ['udp'] });
        if (port === 0) port = bound.udpPort ?? 0;
      }
      return port;
    } catch (error) {
      // The port picked on the first address is taken on another: close everything and try a new one.
      await Promise.all(listeners.splice(0).map((l) => l.close().catch(() => {})));
      if (attempt >= 4) throw error;
    }
  }
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
