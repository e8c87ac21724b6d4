// `nfsprobe fh get HOST:/path [--nfs-version 3|4]` — the filehandle of an exported path, decoded, with the server's
// GETATTR fsid and fileid for the same object. `addFhGet(fh)` adds `get` to the `fh` command group.
import type { Command } from 'commander';
import { connect } from '../../nfs/connect.js';
import { findExport, handleV3, handleV4, nfs4Client } from '../../probe/handles.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { type Output, printJson, table } from '../output.js';
import { parseExportSpec } from '../parse.js';
import { action } from '../run.js';
import { fhGroup } from './fh.js';
import { addNfsOptions, checkPath, connectOptions, type NfsFlags } from './nfs-options.js';

interface Flags extends NfsFlags {
  nfsVersion?: string;
}

function describe(output: Output, handle: Record<string, unknown>, rows: string[][]): void {
  const fsid = handle.fsid as Record<string, unknown> | undefined;
  const fileid = handle.fileid as Record<string, unknown> | undefined;
  const fields = (o: Record<string, unknown> | undefined) =>
    o === undefined
      ? '-'
      : Object.entries(o)
          .filter(([k]) => k !== 'raw')
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ');
  const lines = [
    ['handle', String(handle.hex)],
    ['length', String(handle.length)],
    ['hash', String(handle.hash)],
    ['format', `${String(handle.format)} (confidence ${String(handle.confidence)})`],
    ['fsid', fields(fsid)],
    ['fileid', fields(fileid)],
  ];
  if (handle.exportId !== undefined) lines.push(['export id', String(handle.exportId)]);
  lines.push(['device-based', String(handle.deviceBased)]);
  output.out.write(`${table([...lines, ...rows])}\n`);
  for (const note of (handle.notes as string[] | undefined) ?? []) output.out.write(`note: ${note}\n`);
}

/** Register `fh get` in the `fh` group (created by fh.ts's fhGroup). */
export function register(program: Command): void {
  addFhGet(fhGroup(program));
}

/** Add `get` to the `fh` command group. */
export function addFhGet(fh: Command): void {
  addNfsOptions(
    fh
      .command('get')
      .description('obtain the filehandle of an exported path (MOUNT v3 or NFSv4) and decode it')
      .argument('<export>', 'HOST:/path ([IPv6]:/path)')
      .option('--nfs-version <3|4>', 'get the handle with MOUNT+NFSv3 (3) or NFSv4 PUTROOTFH/LOOKUP/GETFH (4)', '3'),
  ).action(
    action(async (output, spec: string, flags: Flags) => {
      const version = flags.nfsVersion ?? '3';
      if (version !== '3' && version !== '4') throw new UsageError(`--nfs-version must be 3 or 4, not '${version}'`);
      const parsed = parseExportSpec(spec);
      const path = checkPath(parsed.path, 'path');
      const hostText = parsed.port === undefined ? parsed.host : `[${parsed.host}]:${parsed.port}`;
      const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
      const conn = connect(host, options);
      try {
        if (version === '3') {
          const exportPath = await findExport(conn, path).catch(() => path);
          const got = await handleV3(conn, exportPath, path);
          if (output.json) {
            printJson(output, { export: `${host}:${path}`, nfsVersion: 3, mountedExport: exportPath, ...got });
          } else {
            describe(output, got.handle, [
              [
                'via',
                `MOUNT v3 MNT ${exportPath}${path === exportPath ? '' : ` + LOOKUP ${path.slice(exportPath.length)}`}`,
              ],
              ['getattr fsid', got.attributes?.fsid ?? '-'],
              ['getattr fileid', got.attributes?.fileid ?? '-'],
            ]);
          }
          return EXIT_OK;
        }
        const client = await nfs4Client(conn);
        try {
          const got = await handleV4(client, path);
          if (output.json) printJson(output, { export: `${host}:${path}`, nfsVersion: 4, ...got });
          else {
            const fsid = got.attributes.fsid;
            describe(output, got.handle, [
              ['via', `NFSv4.${got.minorVersion} PUTROOTFH + LOOKUP + GETFH`],
              ['getattr fsid', fsid ? `${fsid.major}:${fsid.minor}` : '-'],
              ['getattr fileid', got.attributes.fileid ?? '-'],
            ]);
          }
        } finally {
          await client.destroySession().catch(() => {});
        }
        return EXIT_OK;
      } finally {
        await conn.close();
      }
    }),
  );
}
