// `nfsprobe demo`: the built-in handles and the notify over simulated clients, as a user runs it.
import t from 'tap';
import { buildCli, nfsprobe } from '../helpers/cli.js';

const build = buildCli();
t.equal(build.status, 0, `the CLI builds${build.output ? `: ${build.output}` : ''}`);

t.test('demo --json: incompatible device-based handles, fsid= pinned, 9 of 12 clients notified', async (t) => {
  const r = await nfsprobe(['demo', '--json']);
  t.equal(r.err, '', 'nothing on stderr');
  const doc = JSON.parse(r.out);
  t.equal(r.code, 0, 'the powered-off clients are part of the demo: exit 0');
  t.equal(doc.handles.primary.fsid.major, 8);
  t.equal(doc.handles.standby.fsid.major, 253);
  t.equal(doc.handles.comparison.compatible, false, 'different device numbers are not compatible');
  t.same(
    doc.handles.comparison.differences.map((d: { field: string }) => d.field),
    ['fsid.major', 'fsid.minor'],
    'the differing fields are named',
  );
  t.equal(doc.handles.withFsid.deviceBased, false, 'an fsid= handle carries no device numbers');
  t.equal(doc.notify.notified, 9);
  t.equal(doc.notify.failed, 3);
  for (const client of doc.clients) {
    if (client.up) t.same(client.received.at(-1), { monName: 'nfs-ha.demo', state: doc.notify.state }, client.name);
    else t.same(client.received, [], `${client.name} (down) received nothing`);
  }
  t.equal(doc.notify.state % 2, 1, 'the announced state is odd');
});

t.test('demo: human output, exit 0, and bad --clients is a usage error', async (t) => {
  const r = await nfsprobe(['demo', '--clients', '4']);
  t.equal(r.code, 0);
  t.match(r.out, /NOT compatible/);
  t.match(r.out, /3 notified, 1 not/);
  const bad = await nfsprobe(['demo', '--clients', 'lots']);
  t.equal(bad.code, 2);
  t.match(bad.err, /^nfsprobe: [^\n]+\n$/);
});
