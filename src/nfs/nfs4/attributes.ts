// RFC 7530 section 5 and RFC 8881 section 5 — bitmap4 and fattr4. attr_vals is decoded by walking the bitmap in
// ascending attribute order; the walk stops (keeping the rest as raw bytes) at the first attribute we cannot decode,
// because XDR carries no lengths that would let us skip it.
import { nameTable, XdrError, XdrReader, type XdrType, XdrWriter } from '../../xdr/index.js';
import { NFS4_FHSIZE } from './constants.js';

/** Largest bitmap4 we accept: 8 words = 256 attribute numbers (4.2 defines fewer than 90). */
export const MAX_BITMAP_WORDS = 8;
/** Most ACEs or locations we accept in one attribute. */
const MAX_ATTR_LIST = 4096;

export const FATTR4 = {
  supported_attrs: 0,
  type: 1,
  fh_expire_type: 2,
  change: 3,
  size: 4,
  link_support: 5,
  symlink_support: 6,
  named_attr: 7,
  fsid: 8,
  unique_handles: 9,
  lease_time: 10,
  rdattr_error: 11,
  acl: 12,
  aclsupport: 13,
  archive: 14,
  cansettime: 15,
  case_insensitive: 16,
  case_preserving: 17,
  chown_restricted: 18,
  filehandle: 19,
  fileid: 20,
  files_avail: 21,
  files_free: 22,
  files_total: 23,
  fs_locations: 24,
  hidden: 25,
  homogeneous: 26,
  maxfilesize: 27,
  maxlink: 28,
  maxname: 29,
  maxread: 30,
  maxwrite: 31,
  mimetype: 32,
  mode: 33,
  no_trunc: 34,
  numlinks: 35,
  owner: 36,
  owner_group: 37,
  quota_avail_hard: 38,
  quota_avail_soft: 39,
  quota_used: 40,
  rawdev: 41,
  space_avail: 42,
  space_free: 43,
  space_total: 44,
  space_used: 45,
  system: 46,
  time_access: 47,
  time_access_set: 48,
  time_backup: 49,
  time_create: 50,
  time_delta: 51,
  time_metadata: 52,
  time_modify: 53,
  time_modify_set: 54,
  mounted_on_fileid: 55,
  dir_notif_delay: 56,
  dirent_notif_delay: 57,
  dacl: 58,
  sacl: 59,
  change_policy: 60,
  fs_status: 61,
  fs_layout_type: 62,
  layout_hint: 63,
  layout_type: 64,
  layout_blksize: 65,
  layout_alignment: 66,
  fs_locations_info: 67,
  mdsthreshold: 68,
  retention_get: 69,
  retention_set: 70,
  retentevt_get: 71,
  retentevt_set: 72,
  retention_hold: 73,
  mode_set_masked: 74,
  suppattr_exclcreat: 75,
  fs_charset_cap: 76,
} as const;
export const fattr4Name = nameTable(FATTR4);

export interface NfsTime4 {
  readonly seconds: bigint;
  readonly nseconds: number;
}
export interface Fsid4 {
  readonly major: bigint;
  readonly minor: bigint;
}
export interface FsLocation4 {
  readonly server: string[];
  readonly rootpath: string[];
}
export interface FsLocations4 {
  readonly fsRoot: string[];
  readonly locations: FsLocation4[];
}
export interface Nfsace4 {
  readonly type: number;
  readonly flag: number;
  readonly accessMask: number;
  readonly who: string;
}

/**
 * Decoded attribute values, keyed by camelCase attribute name. Only the attributes present in the reply are set.
 * `settime4` attributes (time_access_set, time_modify_set) are write-only and never decoded.
 */
export interface Fattr4Values {
  supportedAttrs?: number[];
  type?: number;
  fhExpireType?: number;
  change?: bigint;
  size?: bigint;
  linkSupport?: boolean;
  symlinkSupport?: boolean;
  namedAttr?: boolean;
  fsid?: Fsid4;
  uniqueHandles?: boolean;
  leaseTime?: number;
  rdattrError?: number;
  acl?: Nfsace4[];
  aclsupport?: number;
  archive?: boolean;
  cansettime?: boolean;
  caseInsensitive?: boolean;
  casePreserving?: boolean;
  chownRestricted?: boolean;
  filehandle?: Uint8Array;
  fileid?: bigint;
  filesAvail?: bigint;
  filesFree?: bigint;
  filesTotal?: bigint;
  fsLocations?: FsLocations4;
  hidden?: boolean;
  homogeneous?: boolean;
  maxfilesize?: bigint;
  maxlink?: number;
  maxname?: number;
  maxread?: bigint;
  maxwrite?: bigint;
  mimetype?: string;
  mode?: number;
  noTrunc?: boolean;
  numlinks?: number;
  owner?: string;
  ownerGroup?: string;
  quotaAvailHard?: bigint;
  quotaAvailSoft?: bigint;
  quotaUsed?: bigint;
  rawdev?: { readonly specdata1: number; readonly specdata2: number };
  spaceAvail?: bigint;
  spaceFree?: bigint;
  spaceTotal?: bigint;
  spaceUsed?: bigint;
  system?: boolean;
  timeAccess?: NfsTime4;
  timeBackup?: NfsTime4;
  timeCreate?: NfsTime4;
  timeDelta?: NfsTime4;
  timeMetadata?: NfsTime4;
  timeModify?: NfsTime4;
  mountedOnFileid?: bigint;
  dirNotifDelay?: NfsTime4;
  direntNotifDelay?: NfsTime4;
  dacl?: { readonly flag: number; readonly aces: Nfsace4[] };
  sacl?: { readonly flag: number; readonly aces: Nfsace4[] };
  changePolicy?: { readonly major: bigint; readonly minor: bigint };
  fsLayoutType?: number[];
  layoutType?: number[];
  layoutBlksize?: number;
  layoutAlignment?: number;
  retentionHold?: bigint;
  modeSetMasked?: { readonly mode: number; readonly mask: number };
  suppattrExclcreat?: number[];
  fsCharsetCap?: number;
}

/** fattr4: the attribute numbers present, their values, and the raw tail we could not decode (if any). */
export interface Fattr4 {
  readonly attrmask: number[];
  readonly values: Fattr4Values;
  /** Set when the walk met an attribute without a decoder: that attribute number and the bytes from it on. */
  readonly undecoded?: { readonly attr: number; readonly bytes: Uint8Array };
}

// ---- bitmap4

/** Attribute numbers -> bitmap4 words (bit n of word n/32). */
export function bitmapFromAttrs(attrs: readonly number[]): number[] {
  const words: number[] = [];
  for (const a of attrs) {
    if (!(Number.isInteger(a) && a >= 0 && a < MAX_BITMAP_WORDS * 32)) {
      throw new XdrError('OUT_OF_RANGE', `attribute number ${a} does not fit a bitmap4 of ${MAX_BITMAP_WORDS} words`);
    }
    const word = a >>> 5;
    while (words.length <= word) words.push(0);
    words[word] = (words[word]! | (1 << (a & 31))) >>> 0;
  }
  return words;
}

/** bitmap4 words -> ascending attribute numbers. */
export function attrsFromBitmap(words: readonly number[]): number[] {
  const out: number[] = [];
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    if (word === 0) continue;
    for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) out.push(w * 32 + bit);
  }
  return out;
}

/** bitmap4 as ascending attribute numbers. */
export const bitmap4: XdrType<number[]> = {
  name: 'bitmap4',
  encode(w, attrs) {
    const words = bitmapFromAttrs(attrs);
    w.writeUnsignedInt(words.length);
    for (const word of words) w.writeUnsignedInt(word);
  },
  decode(r) {
    const count = r.readLength(MAX_BITMAP_WORDS, 'bitmap4');
    const words: number[] = [];
    for (let i = 0; i < count; i++) words.push(r.readUnsignedInt());
    return attrsFromBitmap(words);
  },
  encodingLength: (attrs) => 4 + 4 * bitmapFromAttrs(attrs).length,
};

// ---- attribute value codecs

interface AttrCodec {
  readonly key: keyof Fattr4Values;
  encode(w: XdrWriter, v: unknown): void;
  decode(r: XdrReader): unknown;
}

const u32 = {
  encode: (w: XdrWriter, v: unknown) => w.writeUnsignedInt(v as number),
  decode: (r: XdrReader) => r.readUnsignedInt(),
};
const u64 = {
  encode: (w: XdrWriter, v: unknown) => w.writeUnsignedHyper(v as bigint),
  decode: (r: XdrReader) => r.readUnsignedHyper(),
};
const boolean = {
  encode: (w: XdrWriter, v: unknown) => w.writeBool(v as boolean),
  decode: (r: XdrReader) => r.readBool(),
};
const utf8 = {
  encode: (w: XdrWriter, v: unknown) => w.writeString(v as string, NFS4_OPAQUE_LIMIT_STRING),
  decode: (r: XdrReader) => r.readString(NFS4_OPAQUE_LIMIT_STRING),
};
const NFS4_OPAQUE_LIMIT_STRING = 0xffff;
const time4 = {
  encode(w: XdrWriter, v: unknown) {
    const t = v as NfsTime4;
    w.writeHyper(t.seconds);
    w.writeUnsignedInt(t.nseconds);
  },
  decode: (r: XdrReader): NfsTime4 => {
    const seconds = r.readHyper();
    return { seconds, nseconds: r.readUnsignedInt() };
  },
};
const pair64 = {
  encode(w: XdrWriter, v: unknown) {
    const p = v as Fsid4;
    w.writeUnsignedHyper(p.major);
    w.writeUnsignedHyper(p.minor);
  },
  decode: (r: XdrReader): Fsid4 => {
    const major = r.readUnsignedHyper();
    return { major, minor: r.readUnsignedHyper() };
  },
};
const bitmapAttr = { encode: (w: XdrWriter, v: unknown) => bitmap4.encode(w, v as number[]), decode: bitmap4.decode };
const u32List = {
  encode(w: XdrWriter, v: unknown) {
    w.writeVariableArray(v as number[], MAX_ATTR_LIST, (x, n) => x.writeUnsignedInt(n));
  },
  decode: (r: XdrReader) => r.readVariableArray(MAX_ATTR_LIST, (x) => x.readUnsignedInt()),
};
const pathname4 = {
  encode(w: XdrWriter, v: unknown) {
    w.writeVariableArray(v as string[], MAX_ATTR_LIST, (x, s) => x.writeString(s));
  },
  decode: (r: XdrReader) => r.readVariableArray(MAX_ATTR_LIST, (x) => x.readString()),
};
function writeAce(w: XdrWriter, a: Nfsace4): void {
  w.writeUnsignedInt(a.type);
  w.writeUnsignedInt(a.flag);
  w.writeUnsignedInt(a.accessMask);
  w.writeString(a.who);
}
function readAce(r: XdrReader): Nfsace4 {
  const type = r.readUnsignedInt();
  const flag = r.readUnsignedInt();
  const accessMask = r.readUnsignedInt();
  return { type, flag, accessMask, who: r.readString() };
}
const aceList = {
  encode: (w: XdrWriter, v: unknown) => w.writeVariableArray(v as Nfsace4[], MAX_ATTR_LIST, writeAce),
  decode: (r: XdrReader) => r.readVariableArray(MAX_ATTR_LIST, readAce, 16),
};
const acl41 = {
  encode(w: XdrWriter, v: unknown) {
    const a = v as { flag: number; aces: Nfsace4[] };
    w.writeUnsignedInt(a.flag);
    aceList.encode(w, a.aces);
  },
  decode: (r: XdrReader) => {
    const flag = r.readUnsignedInt();
    return { flag, aces: aceList.decode(r) };
  },
};
const fsLocations4 = {
  encode(w: XdrWriter, v: unknown) {
    const l = v as FsLocations4;
    pathname4.encode(w, l.fsRoot);
    w.writeVariableArray(l.locations, MAX_ATTR_LIST, (x, loc) => {
      pathname4.encode(x, loc.server);
      pathname4.encode(x, loc.rootpath);
    });
  },
  decode: (r: XdrReader): FsLocations4 => {
    const fsRoot = pathname4.decode(r);
    const locations = r.readVariableArray(
      MAX_ATTR_LIST,
      (x) => {
        const server = pathname4.decode(x);
        return { server, rootpath: pathname4.decode(x) };
      },
      8,
    );
    return { fsRoot, locations };
  },
};
const fh4 = {
  encode: (w: XdrWriter, v: unknown) => w.writeVariableOpaque(v as Uint8Array, NFS4_FHSIZE),
  decode: (r: XdrReader) => r.readVariableOpaque(NFS4_FHSIZE),
};
const specdata4 = {
  encode(w: XdrWriter, v: unknown) {
    const s = v as { specdata1: number; specdata2: number };
    w.writeUnsignedInt(s.specdata1);
    w.writeUnsignedInt(s.specdata2);
  },
  decode: (r: XdrReader) => {
    const specdata1 = r.readUnsignedInt();
    return { specdata1, specdata2: r.readUnsignedInt() };
  },
};
const modeMasked = {
  encode(w: XdrWriter, v: unknown) {
    const m = v as { mode: number; mask: number };
    w.writeUnsignedInt(m.mode);
    w.writeUnsignedInt(m.mask);
  },
  decode: (r: XdrReader) => {
    const mode = r.readUnsignedInt();
    return { mode, mask: r.readUnsignedInt() };
  },
};

const codecs = new Map<number, AttrCodec>();
function define(attr: number, key: keyof Fattr4Values, codec: Omit<AttrCodec, 'key'>): void {
  codecs.set(attr, { key, ...codec });
}
define(FATTR4.supported_attrs, 'supportedAttrs', bitmapAttr);
define(FATTR4.type, 'type', u32);
define(FATTR4.fh_expire_type, 'fhExpireType', u32);
define(FATTR4.change, 'change', u64);
define(FATTR4.size, 'size', u64);
define(FATTR4.link_support, 'linkSupport', boolean);
define(FATTR4.symlink_support, 'symlinkSupport', boolean);
define(FATTR4.named_attr, 'namedAttr', boolean);
define(FATTR4.fsid, 'fsid', pair64);
define(FATTR4.unique_handles, 'uniqueHandles', boolean);
define(FATTR4.lease_time, 'leaseTime', u32);
define(FATTR4.rdattr_error, 'rdattrError', u32);
define(FATTR4.acl, 'acl', aceList);
define(FATTR4.aclsupport, 'aclsupport', u32);
define(FATTR4.archive, 'archive', boolean);
define(FATTR4.cansettime, 'cansettime', boolean);
define(FATTR4.case_insensitive, 'caseInsensitive', boolean);
define(FATTR4.case_preserving, 'casePreserving', boolean);
define(FATTR4.chown_restricted, 'chownRestricted', boolean);
define(FATTR4.filehandle, 'filehandle', fh4);
define(FATTR4.fileid, 'fileid', u64);
define(FATTR4.files_avail, 'filesAvail', u64);
define(FATTR4.files_free, 'filesFree', u64);
define(FATTR4.files_total, 'filesTotal', u64);
define(FATTR4.fs_locations, 'fsLocations', fsLocations4);
define(FATTR4.hidden, 'hidden', boolean);
define(FATTR4.homogeneous, 'homogeneous', boolean);
define(FATTR4.maxfilesize, 'maxfilesize', u64);
define(FATTR4.maxlink, 'maxlink', u32);
define(FATTR4.maxname, 'maxname', u32);
define(FATTR4.maxread, 'maxread', u64);
define(FATTR4.maxwrite, 'maxwrite', u64);
define(FATTR4.mimetype, 'mimetype', utf8);
define(FATTR4.mode, 'mode', u32);
define(FATTR4.no_trunc, 'noTrunc', boolean);
define(FATTR4.numlinks, 'numlinks', u32);
define(FATTR4.owner, 'owner', utf8);
define(FATTR4.owner_group, 'ownerGroup', utf8);
define(FATTR4.quota_avail_hard, 'quotaAvailHard', u64);
define(FATTR4.quota_avail_soft, 'quotaAvailSoft', u64);
define(FATTR4.quota_used, 'quotaUsed', u64);
define(FATTR4.rawdev, 'rawdev', specdata4);
define(FATTR4.space_avail, 'spaceAvail', u64);
define(FATTR4.space_free, 'spaceFree', u64);
define(FATTR4.space_total, 'spaceTotal', u64);
define(FATTR4.space_used, 'spaceUsed', u64);
define(FATTR4.system, 'system', boolean);
define(FATTR4.time_access, 'timeAccess', time4);
define(FATTR4.time_backup, 'timeBackup', time4);
define(FATTR4.time_create, 'timeCreate', time4);
define(FATTR4.time_delta, 'timeDelta', time4);
define(FATTR4.time_metadata, 'timeMetadata', time4);
define(FATTR4.time_modify, 'timeModify', time4);
define(FATTR4.mounted_on_fileid, 'mountedOnFileid', u64);
define(FATTR4.dir_notif_delay, 'dirNotifDelay', time4);
define(FATTR4.dirent_notif_delay, 'direntNotifDelay', time4);
define(FATTR4.dacl, 'dacl', acl41);
define(FATTR4.sacl, 'sacl', acl41);
define(FATTR4.change_policy, 'changePolicy', pair64);
define(FATTR4.fs_layout_type, 'fsLayoutType', u32List);
define(FATTR4.layout_type, 'layoutType', u32List);
define(FATTR4.layout_blksize, 'layoutBlksize', u32);
define(FATTR4.layout_alignment, 'layoutAlignment', u32);
define(FATTR4.retention_hold, 'retentionHold', u64);
define(FATTR4.mode_set_masked, 'modeSetMasked', modeMasked);
define(FATTR4.suppattr_exclcreat, 'suppattrExclcreat', bitmapAttr);
define(FATTR4.fs_charset_cap, 'fsCharsetCap', u32);

/** Can this module decode (and encode) attribute `attr`? */
export function isDecodableAttr(attr: number): boolean {
  return codecs.has(attr);
}

/** Decode attr_vals for the ascending attribute numbers `attrs`, stopping at the first one without a decoder. */
export function decodeAttrValues(attrs: readonly number[], vals: Uint8Array): Omit<Fattr4, 'attrmask'> {
  const r = new XdrReader(vals);
  const values: Record<string, unknown> = {};
  for (const attr of attrs) {
    const codec = codecs.get(attr);
    if (codec === undefined) return { values: values as Fattr4Values, undecoded: { attr, bytes: r.readRest() } };
    try {
      values[codec.key] = codec.decode(r);
    } catch (error) {
      if (error instanceof XdrError) throw error.within(fattr4Name(attr) ?? `attr${attr}`).within('fattr4');
      throw error;
    }
  }
  return { values: values as Fattr4Values };
}

/** Encode attr_vals for `values` in ascending attribute order (the attribute numbers come from the keys). */
export function encodeAttrValues(values: Fattr4Values): { attrmask: number[]; vals: Uint8Array } {
  const attrs: number[] = [];
  for (const [attr, codec] of codecs) if (values[codec.key] !== undefined) attrs.push(attr);
  attrs.sort((a, b) => a - b);
  const w = new XdrWriter(256);
  for (const attr of attrs) {
    const codec = codecs.get(attr)!;
    codec.encode(w, values[codec.key]);
  }
  return { attrmask: attrs, vals: w.finish() };
}

/** fattr4 { bitmap4 attrmask; attrlist4 attr_vals }. attr_vals is decoded eagerly by walking the mask. */
export const fattr4: XdrType<Fattr4> = {
  name: 'fattr4',
  encode(w, v) {
    w.encode(() => {
      const encoded = encodeAttrValues(v.values);
      let vals = encoded.vals;
      let mask = encoded.attrmask;
      if (v.undecoded !== undefined) {
        // Keep the raw tail verbatim: everything from the undecodable attribute on.
        const tail = v.attrmask.filter((a) => a >= v.undecoded!.attr);
        mask = [...mask, ...tail];
        const joined = new Uint8Array(vals.length + v.undecoded.bytes.length);
        joined.set(vals);
        joined.set(v.undecoded.bytes, vals.length);
        vals = joined;
      }
      bitmap4.encode(w, mask);
      w.writeVariableOpaque(vals);
    });
  },
  decode(r) {
    const attrmask = bitmap4.decode(r);
    const vals = r.readVariableOpaque();
    return { attrmask, ...decodeAttrValues(attrmask, vals) };
  },
  encodingLength(v) {
    const w = new XdrWriter(256);
    fattr4.encode(w, v);
    return w.offset;
  },
};
