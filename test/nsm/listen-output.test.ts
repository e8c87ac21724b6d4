// What `listen` (and the other commands' text output) print: printable() escapes, and the per-second line limiter
// with its suppressed-count summaries, on a hand-driven clock and timer.
import t from 'tap';
import { OutputLimiter, type Schedule } from '../../src/cli/commands/listen-output.js';
import { printable } from '../../src/cli/output.js';

t.test('printable: control characters become escapes, everything else stays', async (t) => {
  const cases: [string, string][] = [
    ['plain-host.example.com', 'plain-host.example.com'],
    ['a\nFAKE LOG LINE', 'a\\nFAKE LOG LINE'],
    ['cr\rtab\t', 'cr\\rtab\\t'],
    ['\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['\u001b]0;title\u0007', '\\x1b]0;title\\x07'],
    ['nul\u0000del\u007f', 'nul\\x00del\\x7f'],
    ['c1 csi \u009b2J', 'c1 csi \\u009b2J'],
    ['\u0085next line', '\\u0085next line'],
    ['ls\u2028ps\u2029', 'ls\\u2028ps\\u2029'],
    ['bidi \u202eevil\u202c \u2066x\u2069', 'bidi \\u202eevil\\u202c \\u2066x\\u2069'],
    ['back\\slash', 'back\\\\slash'],
    ['caf\u00e9 \u00a0nbsp \u4e2d', 'caf\u00e9 \u00a0nbsp \u4e2d'],
  ];
  for (const [input, expected] of cases) t.equal(printable(input), expected, expected);
  // Nothing in 0..0x9f that is a control character survives.
  const all = String.fromCharCode(...Array.from({ length: 0xa0 }, (_, i) => i));
  t.notMatch(printable(all), /[\u0000-\u001f\u007f-\u009f]/);
});

function manualClock() {
  let now = 0;
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  const schedule: Schedule = (run, ms) => {
    const timer = { at: now + ms, run, cancelled: false };
    timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  return {
    now: () => now,
    schedule,
    /** Move the clock and fire the timers that are due. */
    advance(ms: number) {
      now += ms;
      for (const timer of timers.splice(0)) {
        if (timer.cancelled) continue;
        if (timer.at <= now) timer.run();
        else timers.push(timer);
      }
    },
    pending: () => timers.filter((x) => !x.cancelled).length,
  };
}

t.test('OutputLimiter: N lines a second, then one summary per window', async (t) => {
  const clock = manualClock();
  const summaries: number[] = [];
  const log: string[] = [];
  const limiter = new OutputLimiter(3, (n) => log.push(`summary ${n}`), clock.now, clock.schedule);
  const offer = (label: string) => {
    if (limiter.admit()) log.push(label);
  };
  for (let i = 0; i < 10; i++) offer(`a${i}`);
  t.same(log, ['a0', 'a1', 'a2'], 'three printed in the first second');
  t.equal(clock.pending(), 1, 'one summary timer, not one per suppressed line');
  clock.advance(999);
  t.same(log, ['a0', 'a1', 'a2'], 'no summary before the window ends');
  clock.advance(1);
  t.same(log, ['a0', 'a1', 'a2', 'summary 7'], 'the summary when the window ends');
  offer('b0');
  t.same(log.at(-1), 'b0', 'a new window');
  summaries.push(limiter.totalSuppressed);
  t.same(summaries, [7]);
});

t.test('OutputLimiter: a late timer never puts a summary after the next window’s lines', async (t) => {
  const clock = manualClock();
  const log: string[] = [];
  // A schedule that never fires: the next admitted line must flush the count first.
  const limiter = new OutputLimiter(
    2,
    (n) => log.push(`summary ${n}`),
    clock.now,
    () => () => {},
  );
  for (let i = 0; i < 5; i++) if (limiter.admit()) log.push(`a${i}`);
  clock.advance(1500);
  for (let i = 0; i < 3; i++) if (limiter.admit()) log.push(`b${i}`);
  limiter.flush();
  t.same(log, ['a0', 'a1', 'summary 3', 'b0', 'b1', 'summary 1']);
  t.equal(limiter.totalSuppressed, 4);
});

t.test('OutputLimiter: 0 means no limit; flush with nothing suppressed says nothing', async (t) => {
  const clock = manualClock();
  const log: number[] = [];
  const limiter = new OutputLimiter(0, (n) => log.push(n), clock.now, clock.schedule);
  let admitted = 0;
  for (let i = 0; i < 10_000; i++) if (limiter.admit()) admitted++;
  limiter.flush();
  t.equal(admitted, 10_000);
  t.same(log, []);
  t.equal(clock.pending(), 0);
});
