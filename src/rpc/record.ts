// RFC 5531 section 11 — record marking for stream transports: a framer with caps, and a fragmenting encoder.

import { RpcError } from './errors.js';

/** Top bit of a fragment header: this fragment ends the record. */
export const LAST_FRAGMENT = 0x80000000;
/** Low 31 bits of a fragment header: the fragment's length. */
export const MAX_FRAGMENT_LENGTH = 0x7fffffff;

export const DEFAULT_MAX_RECORD_SIZE = 1024 * 1024 + 4096;
export const DEFAULT_MAX_FRAGMENTS = 4096;
/**
 * Bytes of a record's start handed to `maxRecordSizeFor`: an RPC call's xid, msg_type, rpcvers, prog and vers
 * (RFC 5531 section 9), enough to pick the cap of the program being called.
 */
export const RECORD_HEAD_LENGTH = 20;
/** Smallest buffer the decoder allocates for a partial record (it then grows 2x, never past the declared size). */
const MIN_BUFFER = 256;

export interface RecordDecoderOptions {
  /** Largest record (sum of fragment payloads) accepted; default 1 MiB + 4 KiB. */
  maxRecordSize?: number;
  /** Most fragments one record may have (empty fragments count too); default 4096. */
  maxFragments?: number;
  /**
   * A smaller cap for one record, chosen from its first RECORD_HEAD_LENGTH bytes (a view: read it, do not keep it),
   * e.g. per RPC program. Called once per record as soon as those bytes are in; records shorter than that are only
   * held to `maxRecordSize`. Values above `maxRecordSize` do not raise the cap.
   */
  maxRecordSizeFor?: (head: Uint8Array) => number;
}

/**
 * Reassembles records from stream chunks cut anywhere. This is the only place in the rpc layer that waits for more
 * bytes: `push` returns the records a chunk completed (possibly none).
 *
 * Zero-copy, explicitly: a record that is one fragment wholly inside one chunk is returned as a view ALIASING that
 * chunk. Every other record is a copy owned by the decoder's caller, and bytes held between pushes are always
 * copied, so the caller may reuse its chunk buffer after `push` returns once it has finished with (or copied) the
 * records it got. Fragments are merged into one buffer as they arrive: a partial record holds at most about twice
 * the bytes received (`bufferedBytes`), whatever its fragment count.
 *
 * A header that breaks a cap is refused before anything is buffered (RpcError RECORD_TOO_LARGE /
 * TOO_MANY_FRAGMENTS). The records completed before it in the same chunk are still returned, with the error in
 * `error`; when there are none, `push` throws it. Either way the decoder then refuses further input (every later
 * `push` throws): the stream is out of sync and must be closed.
 */
export class RecordDecoder {
  readonly maxRecordSize: number;
  readonly maxFragments: number;
  private readonly maxRecordSizeFor: ((head: Uint8Array) => number) | undefined;
  /** Partial fragment header: bytes collected so far (0..3 while waiting). */
  private readonly header = new Uint8Array(4);
  private headerFilled = 0;
  /** Bytes still to come in the current fragment; -1 while reading a header. */
  private fragmentRemaining = -1;
  private lastFragment = false;
  /** The partial record: bytes [0, received) of `buffer` (undefined until a payload byte is held). */
  private buffer: Uint8Array | undefined;
  private received = 0;
  /** Sum of the declared fragment lengths of the current record. */
  private recordLength = 0;
  private fragments = 0;
  /** Cap of the current record: maxRecordSize, lowered by maxRecordSizeFor once the head is known. */
  private limit: number;
  private headChecked = false;
  private failed: RpcError | undefined;

  constructor(options: RecordDecoderOptions = {}) {
    this.maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    this.maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    this.maxRecordSizeFor = options.maxRecordSizeFor;
    this.limit = this.maxRecordSize;
  }

  /** True when no partial record or header is buffered. */
  get idle(): boolean {
    return this.headerFilled === 0 && this.fragmentRemaining === -1 && this.fragments === 0;
  }

  /** Bytes held for the partial record (allocated buffer and partial header). */
  get bufferedBytes(): number {
    return (this.buffer?.length ?? 0) + this.headerFilled;
  }

  /** The cap error that ended this stream, if one did. */
  get error(): RpcError | undefined {
    return this.failed;
  }

  /** Feed a chunk; returns every record it completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const out: Uint8Array[] = [];
    let at = 0;
    const end = chunk.length;
    while (this.failed === undefined) {
      if (this.fragmentRemaining === 0) {
        // The fragment is complete (this also finishes empty fragments that arrive at the end of a chunk).
        if (this.lastFragment) out.push(this.takeRecord());
        else this.fragmentRemaining = -1;
        continue;
      }
      if (at >= end) break;
      if (this.fragmentRemaining === -1) {
        // Header: fast path when all four bytes are in this chunk (wire order: big-endian u32).
        let word: number;
        if (this.headerFilled === 0 && end - at >= 4) {
          word = ((chunk[at]! << 24) | (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!) >>> 0;
          at += 4;
        } else {
          while (this.headerFilled < 4 && at < end) this.header[this.headerFilled++] = chunk[at++]!;
          if (this.headerFilled < 4) break;
          const h = this.header;
          word = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
          this.headerFilled = 0;
        }
        this.startFragment(word);
        const length = this.fragmentRemaining;
        if (this.failed === undefined && this.lastFragment && this.received === 0 && end - at >= length) {
          // Whole record, one fragment, inside this chunk: hand out a view without copying.
          const record = chunk.subarray(at, at + length);
          if (length >= RECORD_HEAD_LENGTH && !this.checkHead(record)) break;
          out.push(record);
          at += length;
          this.reset();
        }
        continue;
      }
      const take = Math.min(this.fragmentRemaining, end - at);
      this.append(chunk, at, take);
      at += take;
      this.fragmentRemaining -= take;
      if (!this.headChecked && this.received >= RECORD_HEAD_LENGTH) this.checkHead(this.buffer!);
    }
    if (this.failed !== undefined && out.length === 0) throw this.failed;
    return out;
  }

  private startFragment(word: number): void {
    const length = word & MAX_FRAGMENT_LENGTH;
    this.lastFragment = word >= LAST_FRAGMENT;
    this.fragments++;
    if (this.fragments > this.maxFragments) {
      this.fail(new RpcError('TOO_MANY_FRAGMENTS', `record has more than ${this.maxFragments} fragments`));
      return;
    }
    this.recordLength += length;
    this.fragmentRemaining = length;
    this.checkLength();
  }

  /** Apply maxRecordSizeFor to the record's head; false (and failed) when the declared length breaks the cap. */
  private checkHead(record: Uint8Array): boolean {
    this.headChecked = true;
    if (this.maxRecordSizeFor !== undefined) {
      const cap = this.maxRecordSizeFor(record.subarray(0, RECORD_HEAD_LENGTH));
      if (cap < this.limit) this.limit = cap;
    }
    return this.checkLength();
  }

  private checkLength(): boolean {
    if (this.recordLength <= this.limit) return true;
    this.fail(
      new RpcError(
        'RECORD_TOO_LARGE',
        `record of at least ${this.recordLength} bytes exceeds the maximum ${this.limit}`,
      ),
    );
    return false;
  }

  /** Copy chunk[at, at + count) to the end of the partial record, growing its buffer 2x (never past the known size). */
  private append(chunk: Uint8Array, at: number, count: number): void {
    const needed = this.received + count;
    let buffer = this.buffer;
    if (buffer === undefined || buffer.length < needed) {
      let size = Math.max(needed, Math.min(this.limit, Math.max(2 * (buffer?.length ?? 0), MIN_BUFFER)));
      // Once the last fragment's header is in, the record's size is known.
      if (this.lastFragment) size = Math.min(size, this.recordLength);
      const grown = new Uint8Array(size);
      if (buffer !== undefined) grown.set(buffer.subarray(0, this.received));
      buffer = grown;
      this.buffer = grown;
    }
    buffer.set(chunk.subarray(at, at + count), this.received);
    this.received = needed;
  }

  private takeRecord(): Uint8Array {
    const buffer = this.buffer;
    const record = buffer === undefined ? new Uint8Array(0) : buffer.subarray(0, this.received);
    this.reset();
    return record;
  }

  private reset(): void {
    this.buffer = undefined;
    this.received = 0;
    this.recordLength = 0;
    this.fragments = 0;
    this.fragmentRemaining = -1;
    this.lastFragment = false;
    this.limit = this.maxRecordSize;
    this.headChecked = false;
  }

  private fail(error: RpcError): void {
    this.failed = error;
    this.buffer = undefined;
  }
}

/**
 * Frame `record` as one or more fragments of at most `maxFragmentSize` payload bytes (default: one fragment).
 * An empty record is one empty last fragment.
 */
export function encodeRecord(record: Uint8Array, maxFragmentSize = MAX_FRAGMENT_LENGTH): Uint8Array {
  if (!(Number.isInteger(maxFragmentSize) && maxFragmentSize >= 1 && maxFragmentSize <= MAX_FRAGMENT_LENGTH)) {
    throw new RangeError(`fragment size ${maxFragmentSize} is not in 1..${MAX_FRAGMENT_LENGTH}`);
  }
  const count = Math.max(1, Math.ceil(record.length / maxFragmentSize));
  const out = new Uint8Array(record.length + 4 * count);
  const view = new DataView(out.buffer);
  let from = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = Math.min(maxFragmentSize, record.length - from);
    view.setUint32(at, (i === count - 1 ? LAST_FRAGMENT : 0) + length);
    out.set(record.subarray(from, from + length), at + 4);
    at += 4 + length;
    from += length;
  }
  return out;
}

/** Write a single-fragment record mark for `length` payload bytes into `bytes` at `offset`. */
export function writeRecordMark(bytes: Uint8Array, offset: number, length: number): void {
  if (!(length >= 0 && length <= MAX_FRAGMENT_LENGTH)) throw new RangeError(`record of ${length} bytes is too long`);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(offset, LAST_FRAGMENT + length);
}
