// The body of `nfsprobe rpcinfo HOST` (see rpcinfo.ts for its flags): one rpcbind DUMP, printed as a table or JSON.
import { entryFromMapping, entryFromRpcb, PMAP_PORT, RpcbindClient, type RpcbindEntry } from '../../rpc/rpcbind.js';
import { UsageError } from '../errors.js';
import { type Output, paint, printable, printJson, table } from '../output.js';
import { describeRpcError, hostPort, ProbeFailure, parseRpcHost, parseTransport, resolveRpcHost } from '../rpc.js';

export interface RpcinfoFlags {
  transport?: string;
  rpcbindVersion?: string;
  json?: boolean;
}

export async function rpcinfoCommand(output: Output, hostText: string, flags: RpcinfoFlags): Promise<number> {
  const spec = parseRpcHost(hostText);
  const transport = parseTransport(flags.transport, 'tcp');
  let forced: 2 | 3 | 4 | undefined;
  if (flags.rpcbindVersion !== undefined) {
    const v = flags.rpcbindVersion.trim();
    if (v !== '2' && v !== '3' && v !== '4') {
      throw new UsageError(`--rpcbind-version '${flags.rpcbindVersion}' must be 2, 3 or 4`);
    }
    forced = Number(v) as 2 | 3 | 4;
  }
  const { address } = await resolveRpcHost(spec.host);
  const port = spec.port ?? PMAP_PORT;
  const where = `rpcbind on ${hostPort(address, port)} (${transport})`;
  const client = new RpcbindClient({ host: address, port, transport, timeoutMs: output.timeoutMs });
  let dump: { version: 2 | 3 | 4; entries: RpcbindEntry[] };
  try {
    if (forced === undefined) dump = await client.dump();
    else if (forced === 2) dump = { version: 2, entries: (await client.dumpV2()).map(entryFromMapping) };
    else dump = { version: forced, entries: (await client.dumpRpcb(forced)).map(entryFromRpcb) };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERROR';
    throw new ProbeFailure(code, `${where}: ${describeRpcError(error, output.timeoutMs)}`, { cause: error });
  } finally {
    await client.close();
  }
  if (output.json) {
    printJson(output, {
      host: hostText.trim(),
      version: dump.version,
      entries: dump.entries.map((e) => ({
        program: e.program,
        version: e.version,
        netid: e.netid,
        protocol: e.protocol,
        port: e.port,
        address: e.address,
        owner: e.owner,
        name: e.name ?? null,
      })),
    });
    return 0;
  }
  output.out.write(`${formatDump(output, where, dump)}\n`);
  return 0;
}

function formatDump(output: Output, where: string, dump: { version: 2 | 3 | 4; entries: RpcbindEntry[] }): string {
  const count = dump.entries.length;
  const title = paint(
    output.out,
    'bold',
    `${where}, ${dump.version === 2 ? 'portmap v2' : `rpcbind v${dump.version}`}: ${count} registration${count === 1 ? '' : 's'}`,
  );
  const v2 = dump.version === 2;
  const header = v2
    ? ['program', 'vers', 'proto', 'port', 'service']
    : ['program', 'vers', 'proto', 'port', 'service', 'netid', 'address', 'owner'];
  const rows = dump.entries.map((e) => {
    const common = [
      String(e.program),
      String(e.version),
      printable(e.protocol),
      e.port === 0 ? '-' : String(e.port),
      e.name ?? '-',
    ];
    // netid, address and owner are the registrant's strings: escaped.
    return v2 ? common : [...common, printable(e.netid), printable(e.address) || '-', printable(e.owner) || '-'];
  });
  return `${title}\n${table([header, ...rows])}`;
}
