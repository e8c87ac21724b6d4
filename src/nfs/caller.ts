// The part of the rpc layer's RpcClient that the NFS and MOUNT clients use (RFC 5531 CALL -> accepted reply body).
// Declared structurally so that any RpcClient, or a test double, can carry the calls.
import { XdrError, XdrReader, type XdrType, type XdrWriter } from '../xdr/index.js';
import { BAD_REPLY, NfsError } from './errors.js';

export interface RpcCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Anything that can make an ONC-RPC call and return the accepted reply's result bytes (RpcClient does). */
export interface RpcCaller {
  call(
    program: number,
    version: number,
    procedure: number,
    args: Uint8Array | ((writer: XdrWriter) => void),
    options?: RpcCallOptions,
  ): Promise<{ body: Uint8Array }>;
}

/** Make one call with `args` encoded by `argsCodec` and decode the body with `resCodec`; undecodable -> BAD_REPLY. */
export async function callAndDecode<A, R>(
  caller: RpcCaller,
  program: number,
  version: number,
  procedure: number,
  name: string,
  argsCodec: XdrType<A>,
  args: A,
  resCodec: XdrType<R>,
  options?: RpcCallOptions,
): Promise<R> {
  const reply = await caller.call(program, version, procedure, (w) => argsCodec.encode(w, args), options);
  try {
    return resCodec.decode(new XdrReader(reply.body));
  } catch (error) {
    if (error instanceof XdrError) {
      throw new NfsError(BAD_REPLY, -1, `the server's reply does not decode (${error.message})`, name);
    }
    throw error;
  }
}
