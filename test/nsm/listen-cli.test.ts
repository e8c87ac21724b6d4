// `nfsprobe listen` as users run it (bin/nfsprobe.js, the built CLI) over real UDP on loopback: the first
// "listening" event, --from bounding --count, escaped names in text, the rate limit's suppressed counts, and
// exit 1 with one line when stdout goes away.
import t, { type Test } from 'tap';
import { NsmClient } from '../../src/nsm/index.js';
import { RpcClient } from '../../src/rpc/index.js';
import { waitFor } from '../lab/namespace.js';
import { startListen } from './listen-helpers.js';

function client(t: Test, port: number, sourceAddress?: string): NsmClient {
  const c = new NsmClient(
    new RpcClient({
      host: '127.0.0.1',
      port,
      transport: 'udp',
      timeoutMs: 3000,
      ...(sourceAddress === undefined ? {} : { sourceAddress }),
    }),
  );
  t.teardown(() => c.close());
  return c;
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

t.test('--json: a first "listening" event; --count counts only what matches --from', async (t) => {
  const listen = startListen(t, ['--json', '--address', '127.0.0.1', '--from', '127.0.0.1', '--count', '2']);
  const port = await listen.port();
  const stranger = client(t, port, '127.0.0.2');
  for (let i = 0; i < 3; i++) await stranger.notify({ monName: 'elsewhere', state: 1 + 2 * i });
  const local = client(t, port);
  await local.notify({ monName: 'server-a', state: 3 });
  await local.notify({ monName: 'server-b', state: 5 });
  const { code } = await listen.exit;
  t.equal(code, 0, listen.stderr());
  const events = jsonLines(listen.stdout());
  t.match(events[0], { event: 'listening', address: '127.0.0.1', port, udpPort: port, registered: false });
  t.ok(!Number.isNaN(Date.parse(events[0].at)));
  t.same(
    events.slice(1).map((e) => [e.event, e.monName, e.state, e.from.replace(/:\d+$/, '')]),
    [
      ['SM_NOTIFY', 'server-a', 3, '127.0.0.1'],
      ['SM_NOTIFY', 'server-b', 5, '127.0.0.1'],
    ],
    'the three from 127.0.0.2 were neither printed nor counted',
  );
});

t.test('text: a mon_name with a newline and escape sequences stays on one line, escaped', async (t) => {
  const listen = startListen(t, ['--address', '127.0.0.1', '--count', '1']);
  const port = await listen.port();
  await client(t, port).notify({ monName: 'evil\n2026-01-01 FAKE\u001b[2J\u001b]0;pwned\u0007\u009b', state: 9 });
  const { code } = await listen.exit;
  t.equal(code, 0, listen.stderr());
  const out = listen.stdout();
  t.equal(out.split('\n').length, 2, 'one line and the final newline');
  t.match(out, 'mon_name evil\\n2026-01-01 FAKE\\x1b[2J\\x1b]0;pwned\\x07\\u009b  state 9');
  t.notMatch(out, /[\u001b\u0007\u009b]/, 'no raw control characters');
  t.match(listen.stderr(), /^listening for SM_NOTIFY on 127\.0\.0\.1 port \d+ /);
});

t.test('--rate-limit: what is not printed is counted in "suppressed" events', async (t) => {
  const sent = 300;
  const listen = startListen(t, ['--json', '--address', '127.0.0.1', '--rate-limit', '5', '--count', String(sent)]);
  const port = await listen.port();
  const c = client(t, port);
  for (let i = 0; i < sent; i++) await c.notify({ monName: `s${i}`, state: 1 });
  const { code } = await listen.exit;
  t.equal(code, 0, listen.stderr());
  const events = jsonLines(listen.stdout()).slice(1);
  const printed = events.filter((e) => e.event === 'SM_NOTIFY').length;
  const summaries = events.filter((e) => e.event === 'suppressed');
  const suppressed = summaries.reduce((sum, e) => sum + e.count, 0);
  t.equal(printed + suppressed, sent, `${printed} printed + ${suppressed} suppressed`);
  t.ok(suppressed > 0, 'a flood is cut down');
  t.ok(
    summaries.every((e) => e.count > 0 && !Number.isNaN(Date.parse(e.at))),
    'each summary has a count and a time',
  );
});

t.test('--rate-limit in text: one "... K more notifications suppressed" line', async (t) => {
  const listen = startListen(t, ['--address', '127.0.0.1', '--rate-limit', '2', '--count', '20']);
  const port = await listen.port();
  const c = client(t, port);
  for (let i = 0; i < 20; i++) await c.notify({ monName: `s${i}`, state: 1 });
  t.equal((await listen.exit).code, 0);
  const lines = listen.stdout().trim().split('\n');
  const printed = lines.filter((l) => l.includes(' SM_NOTIFY from ')).length;
  const suppressed = lines
    .map((l) => /^\.\.\. (\d+) more notifications? suppressed \(over 2\/s\)$/.exec(l))
    .reduce((sum, m) => sum + (m === null ? 0 : Number(m[1])), 0);
  t.equal(printed + suppressed, 20);
  t.ok(suppressed > 0);
});

t.test('stdout closed: exit 1 with one line on stderr', async (t) => {
  const listen = startListen(t, ['--json', '--address', '127.0.0.1']);
  const port = await listen.port();
  await waitFor(() => listen.stdout().includes('\n'), 'the listening event');
  listen.child.stdout!.destroy();
  const c = client(t, port);
  await c.notify({ monName: 'after-close', state: 3 });
  const { code } = await listen.exit;
  t.equal(code, 1, 'not a silent 0');
  const err = listen.stderr().trim().split('\n');
  t.equal(err.at(-1), 'nfsprobe: stdout was closed (EPIPE): stopped listening');
  t.equal(err.length, 2, 'the banner and that one line, no stack trace');
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  t.test(`${signal}: exit 0`, async (t) => {
    const listen = startListen(t, ['--address', '127.0.0.1']);
    await listen.port();
    listen.child.kill(signal);
    t.same(await listen.exit, { code: 0, signal: null });
  });
}

t.test('bad input: exit 2', async (t) => {
  for (const args of [['--replace'], ['--rate-limit', '-1'], ['--from', 'no such host.invalid'], ['--port', '0']]) {
    const listen = startListen(t, ['--address', '127.0.0.1', ...args]);
    const { code } = await listen.exit;
    t.equal(code, 2, args.join(' '));
    t.match(listen.stderr(), /^nfsprobe: .+\n$/, 'one line');
  }
});
