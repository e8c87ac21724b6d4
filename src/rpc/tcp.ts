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
 * A record-marked message stream over a socket: every complete record goes to `onRecord`, in order. A framing
 * error (cap broken) destroys the socket after the records completed before it were delivered. `onClose` runs
 * once, with the error that ended the stream if there was one.
 *
 * Flow control for servers: `pause()` stops both delivering records and reading the socket (records already
 * decoded wait in a queue, at most one read's worth), `resume()` delivers them and reads on. `write` returns false
 * when the socket's unsent bytes reached its writable high-water mark; it emits 'drain' later.
 */
export class RecordStream {
  readonly socket: Socket;
  private readonly decoder: RecordDecoder;
  private closed = false;
  private paused = false;
  /** Decoded records not delivered yet (only while paused): queue[queueAt..]. */
  private queue: Uint8Array[] = [];
  private queueAt = 0;
  private queued = 0;

  constructor(
    socket: Socket,
    options: RecordDecoderOptions,
    private readonly onRecord: (record: Uint8Array) => void,
    private readonly onClose: (error?: Error) => void,
  ) {
    this.socket = socket;
    this.decoder = new RecordDecoder(options);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  private onData(chunk: Buffer): void {
    let records: Uint8Array[];
    try {
      records = this.decoder.push(chunk);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    if (this.decoder.error !== undefined) this.socket.pause(); // nothing after the broken header is read
    if (this.queueAt === this.queue.length) {
      this.queue = records;
      this.queueAt = 0;
    } else {
      this.queue.push(...records);
    }
    for (const record of records) this.queued += record.length;
    this.deliver();
  }

  private deliver(): void {
    // Replies written while several records are delivered go out in one writev.
    const batch = this.queue.length - this.queueAt > 1;
    if (batch) this.socket.cork();
    while (!this.paused && !this.closed && this.queueAt < this.queue.length) {
      const record = this.queue[this.queueAt++]!;
      this.queued -= record.length;
      this.onRecord(record);
    }
    if (batch) this.socket.uncork();
    if (this.queueAt === this.queue.length && this.queueAt > 0) {
      this.queue = [];
      this.queueAt = 0;
    }
    const error = this.decoder.error;
    if (error !== undefined && this.queueAt === this.queue.length) this.destroy(error);
  }

  /** Stop delivering records and reading from the socket until `resume()`. */
  pause(): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    this.socket.pause();
  }

  /** Deliver the records queued while paused, then read on. */
  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.deliver();
    if (!this.paused && !this.closed && this.decoder.error === undefined) this.socket.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes the decoder holds for the partial record. */
  get partialBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** Bytes of decoded records waiting while paused. */
  get queuedBytes(): number {
    return this.queued;
  }

  /**
   * Write an already framed record (record marks included). False when the socket's unsent bytes reached its
   * writable high-water mark (the socket emits 'drain' once they are sent) or the stream is closed.
   */
  write(framed: Uint8Array): boolean {
    if (this.closed) return false;
    return this.socket.write(framed);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  destroy(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queueAt = 0;
    this.queued = 0;
    this.socket.destroy();
    this.onClose(error);
  }
}
