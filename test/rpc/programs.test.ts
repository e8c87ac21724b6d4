// The well-known program table works both ways.
import t from 'tap';
import { PROGRAMS, programName, programNumber } from '../../src/rpc/index.js';

t.test('names and numbers', async (t) => {
  t.equal(PROGRAMS.portmapper, 100000);
  t.equal(PROGRAMS.nfs, 100003);
  t.equal(PROGRAMS.mountd, 100005);
  t.equal(PROGRAMS.nlockmgr, 100021);
  t.equal(PROGRAMS.status, 100024);
  t.equal(PROGRAMS.rquotad, 100011);
  t.equal(PROGRAMS.nfs_acl, 100227);
  t.equal(programNumber('NFS'), 100003);
  t.equal(programNumber('rpcbind'), 100000);
  t.equal(programNumber('100024'), 100024);
  t.equal(programNumber('nosuch'), undefined);
  t.equal(programNumber('99999999999'), undefined);
  t.equal(programName(100000), 'portmapper');
  t.equal(programName(100024), 'status');
  t.equal(programName(42), undefined);
  for (const [name, number] of Object.entries(PROGRAMS)) t.equal(programNumber(name), number, name);
});
