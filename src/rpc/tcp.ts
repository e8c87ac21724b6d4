// RFC 5531 sections 10-11 over TCP — connecting (optionally from a reserved port) and record-marked streams.

import { connect, isIP, type Socket } from 'node:net';
import { RpcError } from './errors.js';
import { RecordDecoder, type RecordDecoderOptions } from './record.js';
import { bindReservedPort } from './udp.js';

export interface TcpConnectOptions {
  host: string;
  port: number;
  sourceAddress?: string;
  /** Connect from a port in 600-1023 (root only). */
  privilegedPort?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Connect to this Unix stream socket instead (e.g. rpcbind's /run/rpcbind.sock); host/port are then labels. */
  path?: string;
}

/** Open a TCP connection (unref'd: an idle connection does not keep the process alive). Errors: RpcError CONNECTION, TIMEOUT, ABORTED, PRIVILEGED_PORT. */
export async function connectTcp(o: TcpConnectOptions): Promise<Socket> {
  const once = (localPort: number | undefined) =>
    new Promise<Socket>((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(new RpcError('ABORTED', 'connect aborted'));
        return;
      }
      const socket =
        o.path !== undefined
          ? connect({ path: o.path })
          : connect({
              host: o.host,
              port: o.port,
              localAddress:
                o.sourceAddress ?? (localPort !== undefined ? (isIP(o.host) === 6 ? '::' : '0.0.0.0') : undefined),
              localPort,
              noDelay: true,
            });
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('connect', onConnect);
        o.signal?.removeEventListener('abort', onAbort);
      };
      const onError = (error: NodeJS.ErrnoException) => {
        cleanup();
        socket.destroy();
        // Bind failures go back to the reserved-port loop as they are.
        if (
          localPort !== undefined &&
          (error.code === 'EADDRINUSE' ||
            error.code === 'EACCES' ||
            error.code === 'EPERM' ||
            error.code === 'EADDRNOTAVAIL')
        ) {
          reject(error);
          return;
        }
        reject(
          new RpcError('CONNECTION', `connect to ${o.host}:${o.port} failed: ${error.code ?? error.message}`, {
            cause: error,
          }),
        );
      };
      const onConnect = () => {
        cleanup();
        socket.unref();
        resolve(socket);
      };
      const onAbort = () => {
        cleanup();
        socket.destroy();
        reject(new RpcError('ABORTED', 'connect aborted'));
      };
      const timer = setTimeout(() => {
        cleanup();
        socket.destroy();
        reject(new RpcError('TIMEOUT', `connect to ${o.host}:${o.port} timed out after ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      socket.once('error', onError);
      socket.once('connect', onConnect);
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  if (o.privilegedPort && o.path === undefined) return bindReservedPort((port) => once(port));
  return once(undefined);
}

/**
 * A record-marked message stream over a socket: every complete record goes to `onRecord`; a framing error (cap
 * broken) destroys the socket. `onClose` runs once, with the error that ended the stream if there was one.
 */
export class RecordStream {
  readonly socket: Socket;
  private readonly decoder: RecordDecoder;
  private closed = false;

  constructor(
    socket: Socket,
    options: RecordDecoderOptions,
    onRecord: (record: Uint8Array) => void,
    private readonly onClose: (error?: Error) => void,
  ) {
    this.socket = socket;
    this.decoder = new RecordDecoder(options);
    socket.on('data', (chunk: Buffer) => {
      let records: Uint8Array[];
      try {
        records = this.decoder.push(chunk);
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      for (const record of records) {
        if (this.closed) return;
        onRecord(record);
      }
    });
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  /** Write an already framed record (record marks included). */
  write(framed: Uint8Array): void {
    if (!this.closed) this.socket.write(framed);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  destroy(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(error);
  }
}
