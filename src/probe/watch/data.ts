// The data path of a failover watch: one 4 KiB record per tick, alternating FILE_SYNC and UNSTABLE with a COMMIT
// every few UNSTABLE writes (RFC 1813 sections 3.3.7 and 3.3.21). Keeps the log of acknowledged records, tracks the
// write verifier (a change means the server may have lost uncommitted data: resend it, as the Linux client does),
// and reads every acknowledged record back on demand to find lost acknowledged writes.
import { type FileHandle, open } from 'node:fs/promises';
import { STABLE_HOW } from '../../nfs/nfs3/constants.js';
import type { LostWriteEvent, VerifierEvent } from './events.js';
import { checkRecord, encodeRecord, RECORD_SIZE, recordOffset } from './record.js';

/** The NFSv3 calls the data path needs (Nfs3Client has them). */
export interface DataPathNfs {
  write(
    file: Uint8Array,
    offset: bigint,
    data: Uint8Array,
    stable: 0 | 1 | 2,
  ): Promise<{ count: number; committed: number; verf: Uint8Array }>;
  commit(file: Uint8Array, offset?: bigint, count?: number): Promise<{ verf: Uint8Array }>;
  read(file: Uint8Array, offset: bigint, count: number): Promise<{ count: number; eof: boolean; data: Uint8Array }>;
}

export interface AcknowledgedRecord {
  readonly seq: number;
  readonly offset: number;
  readonly timestampMs: number;
  readonly stability: 'FILE_SYNC' | 'COMMITTED';
}

interface PendingRecord {
  readonly seq: number;
  readonly timestampMs: number;
  /** The verifier of the WRITE reply that last carried this record. */
  verifier: string;
}

export interface DataPathOptions {
  /** COMMIT after this many UNSTABLE writes (default 4). */
  commitEvery?: number;
  /** Append every acknowledged record to this local file (JSON lines) and fsync it. */
  logFile?: string;
  /** How many READs are in flight while reading back (default 8). */
  readConcurrency?: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export class DataPath {
  private readonly commitEvery: number;
  private readonly readConcurrency: number;
  private readonly logFile: string | undefined;
  private log: FileHandle | undefined;
  private nextSeq = 0;
  private readonly pending = new Map<number, PendingRecord>();
  private readonly acknowledged = new Map<number, AcknowledgedRecord>();
  private readonly reportedLost = new Set<number>();
  /** The verifier the server gave last; undefined until the first reply. */
  verifier: string | undefined;
  verifierChanges = 0;
  /** A verifier change whose resend has not finished yet. */
  private changeInProgress: { before: string; after: string } | undefined;

  constructor(options: DataPathOptions = {}) {
    this.commitEvery = options.commitEvery ?? 4;
    this.readConcurrency = options.readConcurrency ?? 8;
    this.logFile = options.logFile;
  }

  async openLog(): Promise<void> {
    if (this.logFile !== undefined) this.log = await open(this.logFile, 'a');
  }

  async closeLog(): Promise<void> {
    await this.log?.close();
    this.log = undefined;
  }

  get writesAcknowledged(): number {
    return this.acknowledged.size;
  }

  get lostWrites(): number {
    return this.reportedLost.size;
  }

  /** Acknowledged records in sequence order. */
  records(): AcknowledgedRecord[] {
    return [...this.acknowledged.values()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * One tick: write the next record (the probe: its error is the tick's), then the housekeeping — resend what a
   * verifier change left uncommitted, COMMIT when enough UNSTABLE writes are pending. A failed housekeeping call is
   * retried on the next tick and does not fail this one. Returns the verifier events of changes handled.
   */
  async tick(nfs: DataPathNfs, file: Uint8Array): Promise<VerifierEvent[]> {
    const events: VerifierEvent[] = [];
    const seq = this.nextSeq++;
    const timestampMs = Date.now();
    const stable = seq % 2 === 0 ? STABLE_HOW.FILE_SYNC : STABLE_HOW.UNSTABLE;
    const reply = await nfs.write(file, BigInt(recordOffset(seq)), encodeRecord(seq, timestampMs), stable);
    const verifier = hex(reply.verf);
    if (reply.committed === STABLE_HOW.FILE_SYNC) await this.acknowledge(seq, timestampMs, 'FILE_SYNC', verifier);
    else this.pending.set(seq, { seq, timestampMs, verifier });
    this.noteVerifier(verifier);
    try {
      await this.resendIfNeeded(nfs, file, events);
      if (this.pending.size >= this.commitEvery) await this.commit(nfs, file, events);
    } catch {
      // Retried next tick: the change stays in progress, the records stay pending.
    }
    return events;
  }

  /** COMMIT the whole file; records written under the verifier COMMIT returns become acknowledged. */
  async commit(nfs: DataPathNfs, file: Uint8Array, events: VerifierEvent[] = []): Promise<void> {
    for (let round = 0; round < 4; round++) {
      const reply = await nfs.commit(file, 0n, 0);
      const verifier = hex(reply.verf);
      this.noteVerifier(verifier);
      if (this.changeInProgress !== undefined) {
        await this.resendIfNeeded(nfs, file, events);
        continue;
      }
      for (const record of [...this.pending.values()]) {
        if (record.verifier !== verifier) continue;
        this.pending.delete(record.seq);
        await this.acknowledge(record.seq, record.timestampMs, 'COMMITTED', verifier);
      }
      return;
    }
  }

  private noteVerifier(verifier: string): void {
    if (this.verifier !== undefined && verifier !== this.verifier) {
      this.verifierChanges++;
      this.changeInProgress = { before: this.changeInProgress?.before ?? this.verifier, after: verifier };
    }
    this.verifier = verifier;
  }

  /** After a verifier change: write every pending record again (UNSTABLE) and COMMIT them. */
  private async resendIfNeeded(nfs: DataPathNfs, file: Uint8Array, events: VerifierEvent[]): Promise<void> {
    const change = this.changeInProgress;
    if (change === undefined) return;
    const stale = [...this.pending.values()].filter((r) => r.verifier !== this.verifier);
    for (const record of stale) {
      const data = encodeRecord(record.seq, record.timestampMs);
      const reply = await nfs.write(file, BigInt(recordOffset(record.seq)), data, STABLE_HOW.UNSTABLE);
      record.verifier = hex(reply.verf);
      this.noteVerifier(record.verifier);
      if (this.changeInProgress !== change) return; // changed again: the next call starts over
    }
    this.changeInProgress = undefined;
    events.push({
      event: 'verifier',
      at: new Date().toISOString(),
      before: change.before,
      after: change.after,
      resent: stale.length,
    });
    if (this.pending.size > 0) await this.commit(nfs, file, events);
  }

  private async acknowledge(
    seq: number,
    timestampMs: number,
    stability: AcknowledgedRecord['stability'],
    verifier: string,
  ): Promise<void> {
    const record: AcknowledgedRecord = { seq, offset: recordOffset(seq), timestampMs, stability };
    this.acknowledged.set(seq, record);
    if (this.log !== undefined) {
      await this.log.write(`${JSON.stringify({ ...record, verifier, at: new Date().toISOString() })}\n`);
      await this.log.datasync();
    }
  }

  /**
   * READ every acknowledged record back; each one missing or different is reported once as a lost write.
   * Throws the first call error (the caller retries later; nothing is reported for records not read).
   */
  async verify(nfs: DataPathNfs, file: Uint8Array): Promise<LostWriteEvent[]> {
    const todo = this.records().filter((r) => !this.reportedLost.has(r.seq));
    const verdicts: { record: AcknowledgedRecord; verdict: 'missing' | 'differs' }[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const record = todo[next++]!;
        const read = await nfs.read(file, BigInt(record.offset), RECORD_SIZE);
        const verdict = checkRecord(read.data, record.seq, record.timestampMs);
        if (verdict !== 'ok') verdicts.push({ record, verdict });
      }
    };
    // All or nothing: a failed READ leaves every record to the next verification.
    await Promise.all(Array.from({ length: this.readConcurrency }, worker));
    const at = new Date().toISOString();
    const lost: LostWriteEvent[] = verdicts.map(({ record, verdict }) => {
      this.reportedLost.add(record.seq);
      return {
        event: 'lost-write',
        at,
        seq: record.seq,
        offset: record.offset,
        stability: record.stability,
        detail: verdict,
      };
    });
    return lost.sort((a, b) => a.seq - b.seq);
  }
}
