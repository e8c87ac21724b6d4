// NSM client, program 100024 version 1 (Open Group XNFS 3W ch. 11): every procedure, over one RpcClient.

import { type CallOptions, RpcbindClient, RpcClient, type RpcClientOptions, type RpcReply } from '../rpc/index.js';
import { XdrError, XdrReader, type XdrType } from '../xdr/index.js';
import { NsmError } from './errors.js';
import {
  type Mon,
  type MonId,
  type MyId,
  NSM_PROGRAM,
  NSM_VERSION,
  type NsmProcedure,
  procedures,
  SM_MON,
  SM_NOTIFY,
  SM_NULL,
  SM_SIMU_CRASH,
  SM_STAT,
  SM_UNMON,
  SM_UNMON_ALL,
  type SmStat,
  type SmStatRes,
  type StatChge,
} from './protocol.js';

export interface NsmClientOptions extends Partial<Omit<RpcClientOptions, 'host'>> {
  host: string;
  /** statd's port; when omitted it is asked from rpcbind on `host` (GETPORT 100024 v1). */
  port?: number;
}

/** Decode a reply body with `codec`; a body that does not decode is NsmError BAD_REPLY. */
export function decodeResult<T>(codec: XdrType<T>, reply: RpcReply, what: string): T {
  try {
    return codec.decode(new XdrReader(reply.body));
  } catch (error) {
    if (error instanceof XdrError) {
      throw new NsmError('BAD_REPLY', `${what} reply does not decode: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Talks to one statd. Results are returned as decoded; `stat_fail` is a result, not a throw. */
export class NsmClient {
  readonly rpc: RpcClient;

  constructor(rpc: RpcClient) {
    this.rpc = rpc;
  }

  /** Connect to statd on `host`, asking rpcbind for its port unless `port` is given. NsmError NOT_FOUND when unregistered. */
  static async connect(options: NsmClientOptions): Promise<NsmClient> {
    const transport = options.transport ?? 'udp';
    let port = options.port;
    if (port === undefined) {
      const rpcbind = new RpcbindClient({ host: options.host, timeoutMs: options.timeoutMs ?? 5000 });
      try {
        port = await rpcbind.getPort(NSM_PROGRAM, NSM_VERSION, transport);
      } finally {
        await rpcbind.close();
      }
      if (port === 0) {
        throw new NsmError('NOT_FOUND', `no statd (program 100024 v1 ${transport}) registered on ${options.host}`, {
          subject: options.host,
        });
      }
    }
    return new NsmClient(new RpcClient({ ...options, host: options.host, port, transport }));
  }

  private async call<A, R>(p: NsmProcedure<A, R>, args: A, options?: CallOptions): Promise<R> {
    const reply = await this.rpc.call(NSM_PROGRAM, NSM_VERSION, p.number, (w) => p.args.encode(w, args), options);
    return decodeResult(p.result, reply, p.name);
  }

  /** SM_NULL. */
  ping(options?: CallOptions): Promise<RpcReply> {
    return this.rpc.call(NSM_PROGRAM, NSM_VERSION, SM_NULL, new Uint8Array(0), options);
  }

  /** SM_STAT: would statd monitor `monName`? Returns statd's own state. */
  stat(monName: string, options?: CallOptions): Promise<SmStatRes> {
    return this.call(procedures[SM_STAT], { monName }, options);
  }

  /** SM_MON: monitor `mon.monId.monName`, calling back my_id with priv when it reboots. Loopback callers only. */
  mon(mon: Mon, options?: CallOptions): Promise<SmStatRes> {
    return this.call(procedures[SM_MON], mon, options);
  }

  /** SM_UNMON: stop one monitor (matched by mon_name and my_id). */
  unmon(monId: MonId, options?: CallOptions): Promise<SmStat> {
    return this.call(procedures[SM_UNMON], monId, options);
  }

  /** SM_UNMON_ALL: stop every monitor made by my_id. */
  unmonAll(myId: MyId, options?: CallOptions): Promise<SmStat> {
    return this.call(procedures[SM_UNMON_ALL], myId, options);
  }

  /** SM_SIMU_CRASH: statd behaves as if it had rebooted (loopback, privileged port). */
  async simuCrash(options?: CallOptions): Promise<void> {
    await this.call(procedures[SM_SIMU_CRASH], undefined, options);
  }

  /** SM_NOTIFY: "host `monName` rebooted, its state is now `state`". The reply is void. */
  async notify(change: StatChge, options?: CallOptions): Promise<RpcReply> {
    const p = procedures[SM_NOTIFY];
    return this.rpc.call(NSM_PROGRAM, NSM_VERSION, p.number, (w) => p.args.encode(w, change), options);
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
