// RFC 5531 section 9 — readSuccessfulReplyHeader: the fast path and the word-by-word path agree on every outcome.
import t from 'tap';
import { readSuccessfulReplyHeader } from '../../src/nfs/reply.js';
import { XdrReader } from '../../src/xdr/index.js';
import { hex } from './codec-check.js';

/** Run the header reader at offset 4 of `text` (after a filler word); the xid and the offset it stops at. */
function read(text: string): { xid: number; offset: number } {
  const r = new XdrReader(hex(`deadbeef ${text}`), 4);
  const xid = readSuccessfulReplyHeader(r);
  return { xid, offset: r.offset };
}

function code(text: string): string | undefined {
  try {
    read(text);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

t.test('success replies leave the reader at the results', (t) => {
  t.same(read('80000001 00000001 00000000 00000000 00000000 00000000 cafe0000'), { xid: 0x80000001, offset: 28 });
  // a verifier with a 5-byte body and 3 bytes of padding
  t.same(read('00000007 00000001 00000000 00000001 00000005 0102030405000000 00000000'), { xid: 7, offset: 36 });
  // the verifier fills the buffer up to the accept_stat word
  t.same(read(`00000008 00000001 00000000 00000006 00000190 ${'00'.repeat(400)} 00000000`), {
    xid: 8,
    offset: 4 + 24 + 400,
  });
  t.end();
});

t.test('anything but a success throws XdrError with a code', (t) => {
  t.equal(
    code('00000001 00000001 00000000 00000000 00000000 00000002 00000002 00000003'),
    'BAD_VALUE',
    'PROG_MISMATCH',
  );
  t.equal(code('00000001 00000001 00000000 00000000 00000000 00000001'), 'BAD_VALUE', 'PROG_UNAVAIL');
  t.equal(code('00000001 00000001 00000001 00000001 00000001'), 'BAD_VALUE', 'MSG_DENIED AUTH_ERROR');
  t.equal(code('00000001 00000001 00000000 00000000 00000000'), 'SHORT_BUFFER', 'no accept_stat');
  t.equal(code('00000001 00000001 00000000 00000000'), 'SHORT_BUFFER', 'no verifier length');
  t.equal(code('00000001 00000001 00000000 00000000 00000008 01020304'), 'SHORT_BUFFER', 'verifier cut short');
  t.equal(
    code(`00000001 00000001 00000000 00000000 00000191 ${'00'.repeat(404)} 00000000`),
    'LIMIT_EXCEEDED',
    'verifier over 400 bytes',
  );
  t.equal(code('00000001 00000002 00000000 00000000 00000000 00000000'), 'BAD_DISCRIMINANT', 'message type 2');
  t.equal(code('00000001 00000000 00000002 000186a3 00000003 00000000'), 'BAD_DISCRIMINANT', 'a CALL');
  t.end();
});
