// nfs-utils support/nsm/file.c — the monitor record: one line per monitor in sm/<host> and sm.bak/<host>.
//
//   "%08x %08x %08x %08x " <32 hex digits of priv> " " <mon_name> " " <my_name> "\n"
//    |     |    |    +-- my_proc   (hex)
//    |     |    +------- my_vers   (hex)
//    |     +------------ my_prog   (hex)
//    +------------------ sin_addr.s_addr of the caller, printed as a host-order int: the four address bytes read
//                        in NATIVE byte order (127.0.0.1 -> 0100007f on little-endian machines)
// priv starts at the fixed offset 36 (RPCARGSLEN = 4 * 9); mon_name runs to the next space; my_name is the rest of
// the line after any spaces.

import { endianness } from 'node:os';
import { NsmError } from './errors.js';
import { SM_MAXSTRLEN, SM_PRIV_SIZE } from './protocol.js';

/** Offset of priv in a record line: four "%08x " fields. */
export const RPCARGSLEN = 36;
/** Longest file name on Linux filesystems; a host name must fit. */
export const NAME_MAX = 255;

const LITTLE_ENDIAN = endianness() === 'LE';

/** The fields of one monitor (one line). */
export interface MonitorFields {
  /** The monitored host as the monitoring program named it (the kernel sends the client's IP address text). */
  readonly monName: string;
  /** Our own name as the monitored host knows us; sm-notify announces it in SM_NOTIFY unless -v overrides. */
  readonly myName: string;
  readonly myProg: number;
  readonly myVers: number;
  readonly myProc: number;
  /** The 16-byte cookie handed back in the callback. */
  readonly priv: Uint8Array;
  /** IPv4 address of the program that asked for the monitor (statd records the caller; normally 127.0.0.1). */
  readonly callerAddress: string;
}

/** One parsed line of a record file. */
export interface MonitorRecord extends MonitorFields {
  /** The record file's name: the canonical name of the host, the name sm-notify resolves to find it. */
  readonly host: string;
  /** The line as stored, without its newline. */
  readonly line: string;
}

/**
 * A host name usable as a record file name: not empty, no '/', no whitespace or control characters, no leading dot
 * (statd would write a file nobody loads), at most NAME_MAX bytes. Throws NsmError BAD_NAME.
 */
export function checkRecordName(name: string): string {
  let why: string | undefined;
  if (typeof name !== 'string' || name === '') why = 'is empty';
  else if (/[/\s\x00-\x1f\x7f]/.test(name)) why = "contains '/', whitespace or a control character";
  else if (name.startsWith('.')) why = 'starts with a dot';
  else if (Buffer.byteLength(name) > NAME_MAX) why = `is longer than ${NAME_MAX} bytes`;
  if (why !== undefined) throw new NsmError('BAD_NAME', `host name '${name}' ${why}`, { subject: name });
  return name;
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** The caller's IPv4 address as statd prints s_addr (native byte order). */
export function encodeCallerAddress(address: string): string {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new NsmError('BAD_RECORD', `caller address '${address}' is not an IPv4 address`);
  }
  const bytes = Buffer.from(parts.map(Number));
  return hex8(LITTLE_ENDIAN ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0));
}

function decodeCallerAddress(field: string): string {
  const bytes = Buffer.alloc(4);
  const value = Number.parseInt(field, 16);
  if (LITTLE_ENDIAN) bytes.writeUInt32LE(value);
  else bytes.writeUInt32BE(value);
  return Array.from(bytes).join('.');
}

/** Format one record line (with its newline) exactly as statd's nsm_create_monitor_record does. */
export function formatRecordLine(fields: MonitorFields): string {
  if (!(fields.priv instanceof Uint8Array) || fields.priv.length !== SM_PRIV_SIZE) {
    throw new NsmError('BAD_PRIV', `priv must be ${SM_PRIV_SIZE} bytes`);
  }
  for (const [what, value] of [
    ['monName', fields.monName],
    ['myName', fields.myName],
  ] as const) {
    if (Buffer.byteLength(value) > SM_MAXSTRLEN) {
      throw new NsmError('BAD_NAME', `${what} is longer than ${SM_MAXSTRLEN} bytes`, { subject: value });
    }
  }
  if (fields.monName === '' || /[\s\x00-\x1f\x7f]/.test(fields.monName)) {
    throw new NsmError('BAD_NAME', `mon_name '${fields.monName}' is empty or contains whitespace`, {
      subject: fields.monName,
    });
  }
  for (const n of [fields.myProg, fields.myVers, fields.myProc]) {
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
      throw new NsmError('BAD_RECORD', `program/version/procedure ${n} is not a 32-bit integer`);
    }
  }
  // statd turns whitespace in my_name into '_' so that the line stays one line with a parseable tail.
  const myName = fields.myName.replace(/\s/g, '_');
  return `${encodeCallerAddress(fields.callerAddress)} ${hex8(fields.myProg)} ${hex8(fields.myVers)} ${hex8(fields.myProc)} ${Buffer.from(fields.priv).toString('hex')} ${fields.monName} ${myName}\n`;
}

/** Is `line[from, from + length)` all hex digits (and inside the line)? */
function isHexRun(line: string, from: number, length: number): boolean {
  if (from + length > line.length) return false;
  for (let i = from; i < from + length; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
  }
  return true;
}

/** Any C0 control character or DEL: statd writes none (it turns whitespace in my_name into '_'). */
function hasControl(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Parse one line (without its newline) of the record file `host`. Stricter than statd's sscanf only where statd
 * would misread the line anyway (priv is read at a fixed offset, so the four fields must be 8 digits each), and it
 * refuses names over the protocol's SM_MAXSTRLEN and control characters (a line statd could not have written). One
 * pass over the line: a hostile 1 MB line costs linear time. Throws NsmError BAD_RECORD.
 */
export function parseRecordLine(line: string, host: string): MonitorRecord {
  const bad = (why: string): never => {
    throw new NsmError('BAD_RECORD', `malformed monitor record in ${host} (${why}): '${line.slice(0, 80)}'`, {
      subject: host,
    });
  };
  // "%08x %08x %08x %08x " then 32 hex digits and a space: 36 + 33 = 69 fixed characters.
  for (let field = 0; field < 4; field++) {
    const at = field * 9;
    if (!isHexRun(line, at, 8) || line[at + 8] !== ' ') bad('the four numbers must be 8 hex digits each');
  }
  if (!isHexRun(line, RPCARGSLEN, 32) || line[RPCARGSLEN + 32] !== ' ') bad('priv must be 32 hex digits');
  if (hasControl(line)) bad('a control character');
  const monStart = RPCARGSLEN + 33;
  let monEnd = line.indexOf(' ', monStart);
  if (monEnd === -1) monEnd = line.length;
  if (monEnd === monStart) bad('no mon_name');
  let myStart = monEnd;
  while (line[myStart] === ' ') myStart++;
  const monName = line.slice(monStart, monEnd);
  const myName = line.slice(myStart);
  if (Buffer.byteLength(monName) > SM_MAXSTRLEN) bad(`mon_name longer than ${SM_MAXSTRLEN} bytes`);
  if (Buffer.byteLength(myName) > SM_MAXSTRLEN) bad(`my_name longer than ${SM_MAXSTRLEN} bytes`);
  const int = (at: number): number => Number.parseInt(line.slice(at, at + 8), 16) | 0;
  return {
    host,
    line,
    callerAddress: decodeCallerAddress(line.slice(0, 8)),
    myProg: int(9),
    myVers: int(18),
    myProc: int(27),
    priv: Uint8Array.from(Buffer.from(line.slice(RPCARGSLEN, RPCARGSLEN + 32), 'hex')),
    monName,
    myName,
  };
}

/** Two monitors are the same when statd would call them the same: mon_name, my_name, program, version, procedure. */
export function sameMonitor(a: MonitorFields, b: MonitorFields): boolean {
  return (
    a.monName === b.monName &&
    a.myName.replace(/\s/g, '_') === b.myName.replace(/\s/g, '_') &&
    (a.myProg | 0) === (b.myProg | 0) &&
    (a.myVers | 0) === (b.myVers | 0) &&
    (a.myProc | 0) === (b.myProc | 0)
  );
}
