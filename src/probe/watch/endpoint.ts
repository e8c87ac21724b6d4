// A probe path's own RPC client: created on first use and, for TCP, dropped after a failure so that the next
// probe opens a fresh connection (a connection to a server that has gone stays silent until the peer resets it).
import type { RpcCaller, RpcCallOptions } from '../../nfs/caller.js';
import { type OpaqueAuth, RpcClient } from '../../rpc/index.js';
import type { XdrWriter } from '../../xdr/index.js';

export interface EndpointOptions {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  timeoutMs: number;
  cred?: OpaqueAuth;
}

export class Endpoint implements RpcCaller {
  readonly options: EndpointOptions;
  private client: RpcClient | undefined;

  constructor(options: EndpointOptions) {
    this.options = options;
  }

  call(
    program: number,
    version: number,
    procedure: number,
    args: Uint8Array | ((writer: XdrWriter) => void),
    options?: RpcCallOptions,
  ): Promise<{ body: Uint8Array }> {
    if (this.client === undefined) {
      this.client = new RpcClient({
        host: this.options.host,
        port: this.options.port,
        transport: this.options.transport,
        timeoutMs: this.options.timeoutMs,
        // One try per probe: a retransmission would land in the next interval anyway.
        retransmitMs: this.options.timeoutMs * 2,
        ...(this.options.cred === undefined ? {} : { cred: this.options.cred }),
      });
    }
    return this.client.call(program, version, procedure, args, options);
  }

  /** After a failure: a TCP connection is dropped and made again on the next call. */
  reset(): void {
    if (this.options.transport !== 'tcp' || this.client === undefined) return;
    const client = this.client;
    this.client = undefined;
    void client.close();
  }

  close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    return client === undefined ? Promise.resolve() : client.close();
  }
}
