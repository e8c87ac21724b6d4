// Handle text input: hex in the shapes people paste, and kernel %08x word dumps.
import t from 'tap';
import { parseFileHandleHex, parseFileHandleWords } from '../../src/nfs/index.js';
import { toHexString } from './encode.js';

t.test('hex shapes', async (t) => {
  for (const text of [
    '0100010000000000',
    '0x0100010000000000',
    '01 00 01 00 00 00 00 00',
    '01:00:01:00:00:00:00:00',
    '0x01 0x00 0x01 0x00 0x00 0x00 0x00 0x00',
    '  0100 0100 0000 0000\t',
    '0X0100010000000000',
  ]) {
    t.equal(toHexString(parseFileHandleHex(text)), '0100010000000000', JSON.stringify(text));
  }
  t.equal(toHexString(parseFileHandleHex('DEADBEEF')), 'deadbeef', 'upper case');
});

t.test('hex errors carry codes', async (t) => {
  t.throws(() => parseFileHandleHex('01zz'), { code: 'BAD_HEX' });
  t.throws(() => parseFileHandleHex('0x'), { code: 'EMPTY' });
  t.throws(() => parseFileHandleHex(''), { code: 'EMPTY' });
  t.throws(() => parseFileHandleHex('abc'), { code: 'ODD_LENGTH' });
  t.throws(() => parseFileHandleHex('00'.repeat(129)), { code: 'TOO_LONG' });
  t.equal(parseFileHandleHex('00'.repeat(128)).length, 128);
});

t.test('kernel word dumps', async (t) => {
  // "fh_verify(28: 01070001 ...)": a little-endian kernel prints bytes 01 00 07 01 as the word 01070001.
  const le = parseFileHandleWords('28: 01070001 0032e1a1 00000000 00000000 00000000 00000000 00000000 00000000');
  t.equal(le.declaredLength, 28);
  t.equal(le.bytes.length, 28, 'the declared length cuts the extra words');
  t.equal(toHexString(le.bytes.subarray(0, 8)), '01000701a1e13200');
  const be = parseFileHandleWords('01070001 0032e1a1', 'be');
  t.equal(toHexString(be.bytes), '010700010032e1a1', 'big-endian words are the bytes in order');
  t.equal(parseFileHandleWords('1: 01').bytes.length, 1);
  t.equal(toHexString(parseFileHandleWords('0x1 0x2').bytes), '0100000002000000', 'short words are zero-extended');
  t.throws(() => parseFileHandleWords('0107000g'), { code: 'BAD_HEX' });
  t.throws(() => parseFileHandleWords('123456789'), { code: 'BAD_HEX' }, 'more than 8 digits');
  t.throws(() => parseFileHandleWords('28:'), { code: 'EMPTY' });
  t.throws(() => parseFileHandleWords('00000000 '.repeat(33)), { code: 'TOO_LONG' });
});
