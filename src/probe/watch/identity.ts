// What a server says about itself, recorded before and after a failover: NSM state (SM_STAT, RFC 1813 appendix
// NSM), NFSv4.1 server_owner / server_scope (RFC 8881 section 18.35) and lease_time, and the NFSv3 write verifier.
import type { Nfs4Client } from '../../nfs/nfs4/client.js';
import { NsmClient } from '../../nsm/client.js';
import { rootLeaseTime } from '../identity.js';
import type { IdentityEvent, WatchIdentity } from './events.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export const EMPTY_IDENTITY: WatchIdentity = {
  nsmState: null,
  writeVerifier: null,
  serverOwner: null,
  serverScope: null,
  leaseTime: null,
};

/** SM_STAT on `host`'s statd (port from rpcbind); null when no statd is registered or it does not answer. */
export async function nsmState(host: string, timeoutMs: number, rpcbindPort?: number): Promise<number | null> {
  let client: NsmClient | undefined;
  try {
    if (rpcbindPort !== undefined && rpcbindPort !== 111) return null; // NsmClient asks rpcbind on 111
    client = await NsmClient.connect({ host, timeoutMs });
    return (await client.stat(host)).state;
  } catch {
    return null;
  } finally {
    await client?.close();
  }
}

/** server_owner, server_scope and lease_time from an NFSv4.1 client that has a session. */
export async function nfs4Identity(
  client: Nfs4Client,
): Promise<Pick<WatchIdentity, 'serverOwner' | 'serverScope' | 'leaseTime'>> {
  const session = client.currentSession;
  if (session === undefined) return { serverOwner: null, serverScope: null, leaseTime: null };
  const { serverOwner, serverScope } = session.exchangeId;
  const leaseTime = await rootLeaseTime(client, 'lease');
  return {
    serverOwner: `${serverOwner.minorId}/${hex(serverOwner.majorId)}`,
    serverScope: hex(serverScope),
    leaseTime,
  };
}

/** One `identity` event per field known on both sides that changed. */
export function identityChanges(before: WatchIdentity, after: WatchIdentity, at: string): IdentityEvent[] {
  const events: IdentityEvent[] = [];
  for (const field of Object.keys(before) as (keyof WatchIdentity)[]) {
    const a = before[field];
    const b = after[field];
    if (a !== null && b !== null && a !== b) events.push({ event: 'identity', at, field, before: a, after: b });
  }
  return events;
}
