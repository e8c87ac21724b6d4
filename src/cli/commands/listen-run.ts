// The body of `nfsprobe listen` (see listen.ts for its flags): run an NsmListener and print each notification.
import { NsmListener, type NsmNotifyEvent } from '../../nsm/listener.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { type Output, printJsonLine } from '../output.js';
import { parseCount } from '../parse.js';

export interface ListenFlags {
  address?: string;
  port?: string;
  register?: boolean;
  count?: string;
  json?: boolean;
}

export async function listenCommand(output: Output, flags: ListenFlags): Promise<number> {
  const port = flags.port === undefined ? 0 : parseCount(flags.port, '--port', 1, 65535);
  const count = flags.count === undefined ? undefined : parseCount(flags.count, '--count', 1);
  const listener = new NsmListener();
  let ports: { udpPort?: number; tcpPort?: number };
  try {
    ports = await listener.listen({ address: flags.address ?? '0.0.0.0', port });
  } catch (error) {
    throw new UsageError(`cannot listen on ${flags.address}:${port}: ${(error as Error).message}`);
  }
  if (flags.register) await listener.register();
  if (!output.json) {
    output.err.write(
      `listening for SM_NOTIFY on ${flags.address} udp ${ports.udpPort ?? '-'} tcp ${ports.tcpPort ?? '-'}${flags.register ? ', registered with rpcbind' : ''}\n`,
    );
  }
  let seen = 0;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    listener.on('notify', (event: NsmNotifyEvent) => {
      if (output.json) {
        printJsonLine(output, {
          event: event.event,
          from: event.from,
          monName: event.monName,
          state: event.state,
          at: event.at.toISOString(),
        });
      } else {
        output.out.write(
          `${event.at.toISOString()}  SM_NOTIFY from ${event.from} (${event.transport})  mon_name ${event.monName}  state ${event.state}\n`,
        );
      }
      seen++;
      if (count !== undefined && seen >= count) stop();
    });
  });
  await listener.close();
  return EXIT_OK;
}
