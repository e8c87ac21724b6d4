// CRC-32 (ISO-HDLC, the zlib/PNG polynomial 0xedb88320 reflected): the `hash` Wireshark and kernel tracepoints show.

const TABLE = makeTable();

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Standard CRC-32 of `bytes` as an unsigned 32-bit number (crc32('123456789') === 0xcbf43926). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The CRC-32 the way Wireshark prints `nfs.fh.hash`: `0x` and eight lowercase hex digits. */
export function formatHash(crc: number): string {
  return `0x${crc.toString(16).padStart(8, '0')}`;
}
