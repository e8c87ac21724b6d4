// The lower bound for bench/notify: the least a notifier can do on this machine, in a fresh Node process. It does
// only the system calls every notifier must make, with no report, no validation, no error handling and no crash
// safety: rename sm/* to sm.bak/, read each record, write the state file, then for each host one portmap GETPORT and
// one SM_NOTIFY from one UDP socket (256 hosts in flight, a retransmission every 50 ms), and unlink the record when
// the host answered. Packets are copied from two templates; the xid is the host's index. Not a usable notifier: a
// yardstick for how much of nfsprobe's time is the fixed cost of syscalls and process start-up.
//
// Usage: node notify-floor.js DIR STATE NAME   (prints one line of JSON: {"moveMs", "scanMs", "networkMs", "totalMs"})

import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { getportArgs, notifyArgs, rawCall } from './nsm-fleet.js';

const WINDOW = 256;
const RETRANSMIT_MS = 50;

async function main(): Promise<void> {
  const [dir, stateText, name] = process.argv.slice(2) as [string, string, string];
  const state = Number(stateText);
  const t0 = performance.now();
  for (const file of readdirSync(`${dir}/sm`)) renameSync(`${dir}/sm/${file}`, `${dir}/sm.bak/${file}`);
  const t1 = performance.now();
  const hosts = readdirSync(`${dir}/sm.bak`);
  for (const host of hosts) readFileSync(`${dir}/sm.bak/${host}`, 'latin1');
  const stateBytes = Buffer.alloc(4);
  if (endianness() === 'LE') stateBytes.writeInt32LE(state);
  else stateBytes.writeInt32BE(state);
  writeFileSync(`${dir}/state`, stateBytes);
  const t2 = performance.now();

  // The xid (bytes 0-3) is written into a copy of the template per packet.
  const templates = [rawCall(0, 100000, 2, 3, getportArgs()), rawCall(0, 100024, 1, 6, notifyArgs(name, state))];

  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
  // stage: 0 not started, 1 GETPORT sent, 2 SM_NOTIFY sent, 3 done
  const stage = new Uint8Array(hosts.length);
  const port = new Uint16Array(hosts.length);
  const sentAt = new Float64Array(hosts.length);
  let next = 0;
  let done = 0;
  const send = (i: number): void => {
    const packet = Buffer.from(templates[stage[i]! - 1]!);
    packet.writeUInt32BE(i * 2 + stage[i]! - 1, 0);
    sentAt[i] = performance.now();
    socket.send(packet, stage[i] === 1 ? 111 : port[i]!, hosts[i]!);
  };
  const pump = (): void => {
    while (next < hosts.length && next - done < WINDOW) {
      stage[next] = 1;
      send(next++);
    }
  };
  await new Promise<void>((resolve, reject) => {
    const retransmit = setInterval(() => {
      const now = performance.now();
      for (let i = 0; i < next; i++) if (stage[i]! < 3 && now - sentAt[i]! > RETRANSMIT_MS) send(i);
    }, RETRANSMIT_MS / 2);
    const guard = setTimeout(
      () => reject(new Error(`floor: ${hosts.length - done} hosts unanswered after 30 s`)),
      30_000,
    );
    socket.on('message', (message) => {
      if (message.length < 24 || message.readUInt32BE(20) !== 0) return; // not an accepted SUCCESS reply
      const xid = message.readUInt32BE(0);
      const i = xid >>> 1;
      if (i >= hosts.length || stage[i] !== (xid & 1) + 1) return; // a late duplicate
      if (stage[i] === 1) {
        port[i] = message.readUInt32BE(24);
        stage[i] = 2;
        send(i);
        return;
      }
      stage[i] = 3;
      unlinkSync(`${dir}/sm.bak/${hosts[i]}`);
      if (++done === hosts.length) {
        clearInterval(retransmit);
        clearTimeout(guard);
        resolve();
      } else pump();
    });
    pump();
  });
  const t3 = performance.now();
  socket.close();
  const round = (x: number) => Math.round(x * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({ moveMs: round(t1 - t0), scanMs: round(t2 - t1), networkMs: round(t3 - t2), totalMs: round(t3 - t0) })}\n`,
  );
}

await main();
