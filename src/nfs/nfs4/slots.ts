// RFC 8881 section 2.10.6.1 (slot identifiers and the server's reply cache) — the client's fore-channel slot table:
// one request per slot at a time, each slot's sequence ID advances by one per request the server executed.

/** One slot: the last sequence ID the server is believed to have seen on it. */
export interface Slot {
  readonly id: number;
  /** Last sequence ID used with a SEQUENCE the server accepted (0 before the first request). */
  seqid: number;
  /**
   * The last request on this slot got no reply (timeout, lost connection): the server may or may not have executed
   * it. `seqid` then assumes it did; a SEQ_MISORDERED answer to the next request means it did not.
   */
  uncertain: boolean;
}

/** The slots of one session, handed out first free lowest first; callers queue (FIFO) when all are in use. */
export class SlotTable {
  readonly slots: readonly Slot[];
  private readonly free: Slot[];
  private readonly waiting: ((slot: Slot) => void)[] = [];

  constructor(count: number) {
    const n = Math.max(1, Math.floor(count));
    this.slots = Array.from({ length: n }, (_, id) => ({ id, seqid: 0, uncertain: false }));
    this.free = [...this.slots];
  }

  /** sa_highest_slotid: the highest slot this client may use. */
  get highestSlotId(): number {
    return this.slots.length - 1;
  }

  acquire(): Promise<Slot> {
    const slot = this.free.shift();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(slot);
    else {
      this.free.push(slot);
      this.free.sort((a, b) => a.id - b.id);
    }
  }
}
