// The body of `nfsprobe fh decode` (see fh.ts for its flags): parse the hex or word dumps, decode, describe.
import { decodeFileHandle, isFileHandleFormat } from '../../nfs/fh/detect.js';
import { FileHandleError } from '../../nfs/fh/errors.js';
import { statfsFsidText } from '../../nfs/fh/ha.js';
import { parseFileHandleHex, parseFileHandleWords } from '../../nfs/fh/text.js';
import { FILE_HANDLE_FORMATS, type FileHandle, type FileId, type Fsid } from '../../nfs/fh/types.js';
import { plural } from '../../probe/plural.js';
import { UsageError } from '../errors.js';
import { type Output, paint, printJson, table } from '../output.js';

export interface DecodeFlags {
  format?: string;
  byteOrder?: string;
  words?: boolean;
  json?: boolean;
}

export async function decodeCommand(output: Output, hexArgs: string[], flags: DecodeFlags): Promise<number> {
  const format = flags.format;
  if (format !== undefined && !isFileHandleFormat(format)) {
    throw new UsageError(`--format '${format}' is not one of ${FILE_HANDLE_FORMATS.join(', ')}`);
  }
  const byteOrder = flags.byteOrder;
  if (byteOrder !== undefined && byteOrder !== 'le' && byteOrder !== 'be') {
    throw new UsageError(`--byte-order '${byteOrder}' must be le or be`);
  }
  const inputs = hexArgs.length > 0 ? hexArgs : await readStdinLines();
  if (inputs.length === 0) {
    throw new UsageError('no filehandle given: pass HEX arguments or pipe one handle per line on stdin');
  }
  const handles: FileHandle[] = [];
  inputs.forEach((text, i) => {
    const where = inputs.length > 1 ? `handle ${i + 1}: ` : '';
    try {
      let bytes: Uint8Array;
      if (flags.words === true) {
        const parsed = parseFileHandleWords(text, byteOrder ?? 'le');
        bytes = parsed.bytes;
        if (parsed.declaredLength !== undefined && parsed.declaredLength > bytes.length) {
          output.err.write(
            `nfsprobe: ${where}only ${bytes.length} of ${parsed.declaredLength} bytes were printed; decoding those\n`,
          );
        }
      } else bytes = parseFileHandleHex(text);
      handles.push(decodeFileHandle(bytes, { format, byteOrder }));
    } catch (error) {
      if (error instanceof FileHandleError) throw new UsageError(`${where}${error.message}`, error.code);
      throw error;
    }
  });
  if (output.json || flags.json === true) printJson(output, { handles });
  else output.out.write(`${handles.map((h, i) => describeHandle(output, h, i + 1, handles.length)).join('\n\n')}\n`);
  return 0;
}

async function readStdinLines(): Promise<string[]> {
  if (process.stdin.isTTY) return [];
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** fsid names whose major/minor are device numbers (the others hold fsid values). */
const DEVICE_FSIDS = new Set([
  'FSID_DEV',
  'FSID_MAJOR_MINOR',
  'FSID_ENCODE_DEV',
  'FSID_DEVICE',
  'V0_EXPORT_DEV',
  'ONTAP_FSID',
  'SVR4_DEV',
]);

export function describeFsid(fsid: Fsid): string {
  const parts: string[] = [fsid.type === undefined ? fsid.name : `${fsid.name} (type ${fsid.type})`];
  if (fsid.major !== undefined) {
    parts.push(
      DEVICE_FSIDS.has(fsid.name)
        ? `device ${fsid.major}:${fsid.minor ?? 0}`
        : fsid.name === 'FSID_TWO_UINT32'
          ? `f_fsid ${statfsFsidText(fsid)} (as \`stat -f -c %i\` prints it)`
          : `value ${fsid.major.toString(16)}${fsid.minor === undefined ? '' : `:${fsid.minor.toString(16)}`} (hex)`,
    );
  }
  if (fsid.number !== undefined) parts.push(`number ${fsid.number}`);
  if (fsid.uuid !== undefined) parts.push(`uuid ${fsid.uuid}`);
  if (fsid.exportInode !== undefined) parts.push(`export-root inode ${fsid.exportInode}`);
  if (parts.length === 1 && fsid.raw !== '') parts.push(`raw ${fsid.raw}`);
  return parts.join(', ');
}

export function describeFileId(fileid: FileId): string {
  const parts: string[] = [fileid.type === undefined ? fileid.name : `${fileid.name} (type ${hex2(fileid.type)})`];
  const fields: [string, unknown][] = [
    ['inode', fileid.inode],
    ['fid', fileid.fid],
    ['position', fileid.position],
    ['block', fileid.block],
    ['partition', fileid.partition],
    ['generation', fileid.generation],
    ['root', fileid.root],
    ['subvolume', fileid.subvolume],
    ['checkpoint', fileid.checkpoint],
    ['parent inode', fileid.parentInode],
    ['parent fid', fileid.parentFid],
    ['parent position', fileid.parentPosition],
    ['parent block', fileid.parentBlock],
    ['parent generation', fileid.parentGeneration],
    ['parent root', fileid.parentRoot],
    ['raw', fileid.raw],
  ];
  for (const [label, value] of fields) if (value !== undefined && value !== '') parts.push(`${label} ${value}`);
  return parts.join(', ');
}

/** Format-specific fields as `name=value`, nested objects as compact JSON. */
export function describeDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

function verdict(output: Output, h: FileHandle): string {
  if (h.format === 'unknown') return paint(output.out, 'yellow', 'unknown layout: compare handles from both servers');
  if (h.deviceBased) {
    return paint(
      output.out,
      'red',
      'device-based: stale after failover unless the standby has the same device numbers',
    );
  }
  if (h.format === 'knfsd' && h.fsid?.type === 1) {
    return paint(
      output.out,
      'green',
      `pinned by fsid=${h.fsid.number}: survives failover with the same fsid= on the standby`,
    );
  }
  if (h.fsid?.uuid !== undefined) return 'UUID-based: survives failover to the same filesystem (shared storage)';
  if (h.format === 'ganesha') return 'not device-based: export id and fsid must match on the standby';
  return 'not device-based';
}

function describeHandle(output: Output, h: FileHandle, index: number, count: number): string {
  const rows: string[][] = [];
  rows.push(['length', `${plural(h.length, 'byte')}, hash ${h.hash}`]);
  rows.push(['format', `${h.format} (confidence ${h.confidence})`]);
  rows.push(['why', h.reasons.join('; ')]);
  if (h.exportId !== undefined) rows.push(['export id', String(h.exportId)]);
  if (h.fsid !== undefined) rows.push(['fsid', describeFsid(h.fsid)]);
  if (h.fileid !== undefined) rows.push(['fileid', describeFileId(h.fileid)]);
  if (h.byteOrder !== undefined) rows.push(['byte order', h.byteOrder === 'le' ? 'little-endian' : 'big-endian']);
  const details = describeDetails(h.details as Record<string, unknown>);
  if (details !== '') rows.push(['details', details]);
  rows.push(['HA', verdict(output, h)]);
  h.notes.forEach((note, i) => {
    rows.push([i === 0 ? 'notes' : '', `- ${note}`]);
  });
  const title = count > 1 ? `handle ${index}  ${h.hex}` : `handle  ${h.hex}`;
  return `${paint(output.out, 'bold', title)}\n${table(rows)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}`;
}
