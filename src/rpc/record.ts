// RFC 5531 section 11 — record marking for stream transports: a framer with caps, and a fragmenting encoder.

import { RpcError } from './errors.js';

/** Top bit of a fragment header: this fragment ends the record. */
export const LAST_FRAGMENT = 0x80000000;
/** Low 31 bits of a fragment header: the fragment's length. */
export const MAX_FRAGMENT_LENGTH = 0x7fffffff;

export const DEFAULT_MAX_RECORD_SIZE = 1024 * 1024 + 4096;
export const DEFAULT_MAX_FRAGMENTS = 4096;

export interface RecordDecoderOptions {
  /** Largest record (sum of fragment payloads) accepted; default 1 MiB + 4 KiB. */
  maxRecordSize?: number;
  /** Most fragments one record may have (empty fragments count too); default 4096. */
  maxFragments?: number;
}

/**
 * Reassembles records from stream chunks cut anywhere. This is the only place in the rpc layer that waits for more
 * bytes: `push` returns the records a chunk completed (possibly none). A record that fits one fragment inside one
 * chunk is returned as a view ALIASING that chunk (Node hands each socket read its own buffer); others are copied.
 * A header that breaks a cap throws RpcError RECORD_TOO_LARGE / TOO_MANY_FRAGMENTS before anything is buffered, and
 * the decoder then refuses further input: the stream is out of sync and must be closed.
 */
export class RecordDecoder {
  readonly maxRecordSize: number;
  readonly maxFragments: number;
  /** Partial fragment header: bytes collected so far (0..3 while waiting). */
  private readonly header = new Uint8Array(4);
  private headerFilled = 0;
  /** Bytes still to come in the current fragment; -1 while reading a header. */
  private fragmentRemaining = -1;
  private lastFragment = false;
  private parts: Uint8Array[] = [];
  /** parts[0..ownedParts) are our own copies; later ones may still be views of the current chunk. */
  private ownedParts = 0;
  private recordLength = 0;
  private fragments = 0;
  private failed: RpcError | undefined;

  constructor(options: RecordDecoderOptions = {}) {
    this.maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    this.maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
  }

  /** True when no partial record or header is buffered. */
  get idle(): boolean {
    return this.headerFilled === 0 && this.fragmentRemaining === -1 && this.fragments === 0;
  }

  /** Feed a chunk; returns every record it completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const out: Uint8Array[] = [];
    let at = 0;
    const end = chunk.length;
    for (;;) {
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
        continue;
      }
      const take = Math.min(this.fragmentRemaining, end - at);
      const piece = chunk.subarray(at, at + take);
      at += take;
      this.fragmentRemaining -= take;
      if (this.fragmentRemaining === 0 && this.lastFragment && this.parts.length === 0) {
        // Whole record in one piece of this chunk: hand out the view without copying.
        out.push(piece);
        this.reset();
        continue;
      }
      this.parts.push(piece);
    }
    // Pieces still held that are views of this chunk are copied, so the caller may reuse its buffer.
    for (let i = this.ownedParts; i < this.parts.length; i++) this.parts[i] = this.parts[i]!.slice();
    this.ownedParts = this.parts.length;
    return out;
  }

  private startFragment(word: number): void {
    const length = word & MAX_FRAGMENT_LENGTH;
    this.lastFragment = word >= LAST_FRAGMENT;
    this.fragments++;
    if (this.fragments > this.maxFragments) {
      throw this.fail(new RpcError('TOO_MANY_FRAGMENTS', `record has more than ${this.maxFragments} fragments`));
    }
    if (this.recordLength + length > this.maxRecordSize) {
      throw this.fail(
        new RpcError(
          'RECORD_TOO_LARGE',
          `record of at least ${this.recordLength + length} bytes exceeds the maximum ${this.maxRecordSize}`,
        ),
      );
    }
    this.recordLength += length;
    this.fragmentRemaining = length;
  }

  private takeRecord(): Uint8Array {
    const record = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.recordLength);
    this.reset();
    return record;
  }

  private reset(): void {
    this.parts = [];
    this.ownedParts = 0;
    this.recordLength = 0;
    this.fragments = 0;
    this.fragmentRemaining = -1;
    this.lastFragment = false;
  }

  private fail(error: RpcError): RpcError {
    this.failed = error;
    this.parts = [];
    return error;
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
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
