// The body of `nfsprobe fh get HOST:/path` (see fh-get.ts for its flags): MOUNT+NFSv3 or NFSv4, decode, describe.
import { connect } from '../../nfs/connect.js';
import { decodeFileHandle } from '../../nfs/fh/detect.js';
import { exportRootIdentity, findExport, handleV3, handleV4Export, nfs4Client } from '../../probe/handles.js';
import { plural } from '../../probe/plural.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { type Output, printJson, table } from '../output.js';
import { parseExportSpec } from '../parse.js';
import { describeFileId, describeFsid } from './fh-decode-run.js';
import { checkPath, connectOptions, type NfsFlags } from './nfs-options.js';

export interface FhGetFlags extends NfsFlags {
  nfsVersion?: string;
  pseudo?: string;
}

/**
 * The handle as `fh decode` describes it (one notation for an fsid: device numbers and GETATTR's fsid pairs as
 * `major:minor`), then the GETATTR rows.
 */
function describe(output: Output, hex: string, rows: string[][]): void {
  const handle = decodeFileHandle(Uint8Array.from(Buffer.from(hex, 'hex')));
  const lines = [
    ['handle', handle.hex],
    ['length', `${plural(handle.length, 'byte')}, hash ${handle.hash}`],
    ['format', `${handle.format} (confidence ${handle.confidence})`],
    ['fsid', handle.fsid === undefined ? '-' : describeFsid(handle.fsid)],
    ['fileid', handle.fileid === undefined ? '-' : describeFileId(handle.fileid)],
  ];
  if (handle.exportId !== undefined) lines.push(['export id', String(handle.exportId)]);
  lines.push(['device-based', String(handle.deviceBased)]);
  output.out.write(`${table([...lines, ...rows])}\n`);
  for (const note of handle.notes) output.out.write(`note: ${note}\n`);
}

export async function fhGetCommand(output: Output, spec: string, flags: FhGetFlags): Promise<number> {
  const version = flags.nfsVersion ?? '3';
  if (version !== '3' && version !== '4') throw new UsageError(`--nfs-version must be 3 or 4, not '${version}'`);
  const parsed = parseExportSpec(spec);
  const path = checkPath(parsed.path, 'path');
  const hostText = parsed.port === undefined ? parsed.host : `[${parsed.host}]:${parsed.port}`;
  const { host, ...options } = connectOptions(hostText, flags, output.timeoutMs);
  const pseudo = flags.pseudo === undefined ? undefined : checkPath(flags.pseudo, '--pseudo');
  if (pseudo !== undefined && version !== '4') throw new UsageError('--pseudo needs --nfs-version 4');
  const conn = connect(host, options);
  try {
    const exportPath = await findExport(conn, path).catch(() => path);
    if (version === '3') {
      const got = await handleV3(conn, exportPath, path);
      if (output.json) {
        printJson(output, { export: `${host}:${path}`, nfsVersion: 3, mountedExport: exportPath, ...got });
      } else {
        describe(output, String(got.handle.hex), [
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
      const got = await handleV4Export(
        client,
        exportPath,
        path,
        () => exportRootIdentity(conn, exportPath),
        pseudo === undefined ? {} : { pseudo },
      );
      if (output.json) printJson(output, { export: `${host}:${path}`, nfsVersion: 4, ...got });
      else {
        const fsid = got.attributes.fsid;
        describe(output, String(got.handle.hex), [
          [
            'via',
            `NFSv4.${got.minorVersion} PUTROOTFH + LOOKUP ${got.pseudoPath ?? path} + GETFH${got.pseudoVia === 'walk' ? ' (found in the pseudo filesystem)' : ''}`,
          ],
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
}
