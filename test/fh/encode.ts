// A tiny filehandle encoder for tests: builds knfsd, ganesha and vendor handles field by field so that test vectors
// read like the layouts in ../shared/spec/filehandles.md.
export type Order = 'le' | 'be';

export function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
export const toHexString = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function u16(value: number, order: Order): number[] {
  return order === 'be' ? [(value >>> 8) & 0xff, value & 0xff] : [value & 0xff, (value >>> 8) & 0xff];
}

export function u32(value: number, order: Order): number[] {
  const be = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return order === 'be' ? be : be.reverse();
}

export function u64(value: bigint, order: Order): number[] {
  const hi = Number(value >> 32n);
  const lo = Number(value & 0xffffffffn);
  return order === 'be' ? [...u32(hi, 'be'), ...u32(lo, 'be')] : [...u32(lo, 'le'), ...u32(hi, 'le')];
}

export const zeros = (n: number): number[] => new Array<number>(n).fill(0);

/** knfsd version 1: 01 00 fsid_type fileid_type, fsid bytes, fileid bytes. */
export function knfsdV1(
  fsidType: number,
  fileidType: number,
  fsid: readonly number[],
  fileid: readonly number[] = [],
): Uint8Array {
  return concat([1, 0, fsidType, fileidType], fsid, fileid);
}

/** knfsd version 0: seven host u32 and 4 bytes of padding. */
export function knfsdV0(
  f: { inode: number; dirInode: number; dev: number; exportDev: number; exportInode: number; generation: number },
  order: Order,
): Uint8Array {
  return concat(
    u32(0xfeebbaca, order),
    u32(f.inode, order),
    u32(f.dirInode, order),
    u32(f.dev, order),
    u32(f.exportDev, order),
    u32(f.exportInode, order),
    u32(f.generation, order),
    zeros(4),
  );
}

/** ganesha VFS FSAL part: flags (fsid type | type width), fsid bytes, handle type, kernel handle. */
export function vfsPart(
  fsidType: number,
  fsid: readonly number[],
  handleType: number,
  handle: readonly number[],
  order: Order = 'le',
  width: 1 | 2 | 4 = 1,
): Uint8Array {
  const widthBits = width === 1 ? 0x40 : width === 2 ? 0x80 : 0xc0;
  const type = width === 1 ? [handleType] : width === 2 ? u16(handleType, order) : u32(handleType, order);
  return concat([fsidType | widthBits], fsid, type, handle);
}

/** ganesha wire header: 0x43, flags, BE u16 export id, fs_len, FSAL part; NFSv3 pads to a multiple of 4. */
export function ganesha(
  exportId: number,
  fsal: Uint8Array,
  opts: { flags?: number; nfsv3?: boolean } = {},
): Uint8Array {
  const body = concat([0x43, opts.flags ?? 0], u16(exportId, 'be'), [fsal.length], fsal);
  if (!opts.nfsv3) return body;
  return concat(body, zeros((4 - (body.length % 4)) % 4));
}
