// RFC 7530 section 7 (the NFSv4 pseudo filesystem) — finding an export's NFSv4 path when it is not its MOUNT path:
// ganesha serves `Path = /srv/export` at `Pseudo = /export`. Try the path as given, else walk the pseudo filesystem
// from PUTROOTFH with READDIR, breadth first, iteratively and within fixed caps, to the junction whose GETATTR fileid
// (and fsid, where the v3 and v4 encodings can be related) matches the MOUNT v3 root's.
import { NfsError } from '../nfs/errors.js';
import { FATTR4, type Fattr4 } from '../nfs/nfs4/attributes.js';
import { checkCompound, type Nfs4Client, resultOf } from '../nfs/nfs4/client.js';
import type { ReaddirResult } from '../nfs/nfs4/compound.js';
import { NF4TYPE } from '../nfs/nfs4/constants.js';

/** Caps of the walk: the server decides how big its pseudo filesystem is, we decide how much of it we read. */
export interface PseudoWalkLimits {
  /** Deepest pseudo path searched, in components (default 8). */
  readonly maxDepth?: number;
  /** Directories read (default 256). */
  readonly maxDirectories?: number;
  /** Directory entries read in all (default 10,000). */
  readonly maxEntries?: number;
  /** READDIR calls for one directory (default 16): a server that never says eof stops here. */
  readonly maxReaddirCalls?: number;
}

export const PSEUDO_WALK_LIMITS: Required<PseudoWalkLimits> = {
  maxDepth: 8,
  maxDirectories: 256,
  maxEntries: 10_000,
  maxReaddirCalls: 16,
};

/** What the export root looks like over NFSv3: GETATTR fileid and fsid of the MOUNT handle. */
export interface ExportRootIdentity {
  readonly fileid: bigint;
  /** The NFSv3 fsid (one u64); undefined: match on fileid alone. */
  readonly fsid?: bigint;
}

/** The pseudo filesystem as the walk sees it; `readdir` lists the directory at `components` below the root. */
export interface PseudoFs {
  rootAttributes(): Promise<Fattr4['values']>;
  readdir(components: readonly string[], cookie: bigint, cookieverf: Uint8Array): Promise<ReaddirResult>;
}

export interface PseudoWalkResult {
  /** The pseudo path of the first (shallowest) match, or null. */
  readonly path: string | null;
  /** Every matching path found (more than one: the fileid alone was ambiguous; the first is used). */
  readonly matches: string[];
  readonly directories: number;
  readonly entries: number;
  /** A cap stopped the walk before it had read everything (maxDepth, maxDirectories, maxEntries, maxReaddirCalls). */
  readonly truncated: string | null;
}

const MASK64 = (1n << 64n) - 1n;

function byteSwap64(value: bigint): bigint {
  let out = 0n;
  for (let i = 0n; i < 8n; i++) out |= ((value >> (8n * i)) & 0xffn) << (8n * (7n - i));
  return out;
}

/**
 * Can this NFSv4 fsid be the filesystem whose NFSv3 fsid is `v3`? Servers fold the two 64-bit halves into one in
 * different ways: ganesha (`squash_fsid`) major ^ (minor rotated by 32 bits); knfsd with `fsid=N` major = N, with a
 * UUID the two host-order halves XORed (v4 sends the UUID bytes, big-endian halves), from the device
 * new_encode_dev(major, minor). Any of these counts.
 */
export function fsidsMatch(v3: bigint, v4: { readonly major: bigint; readonly minor: bigint }): boolean {
  const { major, minor } = v4;
  const newEncodeDev = (minor & 0xffn) | (major << 8n) | ((minor & ~0xffn) << 12n);
  return (
    v3 === major ||
    v3 === byteSwap64(major ^ minor) ||
    (major < 1n << 32n && minor < 1n << 32n && v3 === (newEncodeDev & 0xffffffffn)) ||
    v3 === (major ^ minor) ||
    v3 === ((major ^ (((minor << 32n) | (minor >> 32n)) & MASK64)) & MASK64) ||
    v3 === (((major << 32n) | minor) & MASK64) ||
    v3 === (((minor << 32n) | major) & MASK64)
  );
}

function matches(values: Fattr4['values'], root: ExportRootIdentity): boolean {
  if (values.fileid !== root.fileid) return false;
  if (root.fsid === undefined || values.fsid === undefined) return true;
  return fsidsMatch(root.fsid, values.fsid);
}

const sameFsid = (x: Fattr4['values']['fsid'], y: Fattr4['values']['fsid']) =>
  x !== undefined && y !== undefined && x.major === y.major && x.minor === y.minor;

/** A READDIR entry name we can LOOKUP again: one path component, not `.`/`..`, no NUL. */
function isComponent(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

const toPath = (components: readonly string[]) => `/${components.join('/')}`;

/**
 * Breadth-first search of the pseudo filesystem for `root`. Descends only into directories of the pseudo
 * filesystem itself (the root's fsid): an entry on another filesystem is a junction into an export, a candidate but
 * never searched, so the walk does not wander through exported data. Iterative, with every cap of `limits`.
 */
export async function walkPseudoFs(
  fs: PseudoFs,
  root: ExportRootIdentity,
  limits: PseudoWalkLimits = {},
): Promise<PseudoWalkResult> {
  const caps = { ...PSEUDO_WALK_LIMITS, ...limits };
  const rootValues = await fs.rootAttributes();
  const found: string[] = [];
  if (matches(rootValues, root)) found.push('/');
  const queue: string[][] = [[]];
  let directories = 0;
  let entries = 0;
  let truncated: string | null = null;
  for (let next = 0; next < queue.length && found.length === 0; next++) {
    if (directories >= caps.maxDirectories) {
      truncated = 'maxDirectories';
      break;
    }
    const dir = queue[next]!;
    directories++;
    let cookie = 0n;
    let cookieverf = new Uint8Array(8);
    let eof = false;
    for (let calls = 0; !eof; calls++) {
      if (calls >= caps.maxReaddirCalls) {
        truncated = 'maxReaddirCalls';
        break;
      }
      const res = await fs.readdir(dir, cookie, cookieverf);
      eof = res.eof || res.entries.length === 0;
      cookieverf = res.cookieverf.slice();
      for (const entry of res.entries) {
        if (entries >= caps.maxEntries) {
          truncated = 'maxEntries';
          eof = true;
          break;
        }
        entries++;
        cookie = entry.cookie;
        const v = entry.attrs.values;
        if (!isComponent(entry.name) || v.type !== NF4TYPE.NF4DIR) continue;
        const path = [...dir, entry.name];
        // Without an fsid to tell them apart, a pseudo directory's small fileid must not pass for the export's.
        const junction = root.fsid !== undefined || !sameFsid(v.fsid, rootValues.fsid);
        if (junction && matches(v, root)) found.push(toPath(path));
        else if (sameFsid(v.fsid, rootValues.fsid)) {
          if (path.length < caps.maxDepth) queue.push(path);
          else truncated ??= 'maxDepth';
        }
      }
    }
    if (truncated === 'maxEntries') break;
  }
  if (found.length === 0 && truncated === null && queue.length > directories) truncated = 'maxDirectories';
  return { path: found[0] ?? null, matches: found, directories, entries, truncated };
}

const WALK_ATTRS = [FATTR4.type, FATTR4.fsid, FATTR4.fileid];

/** The pseudo filesystem of a server through `client` (4.0, or 4.1 with a session): PUTROOTFH + LOOKUP... + READDIR. */
export function pseudoFsOf(client: Nfs4Client): PseudoFs {
  return {
    async rootAttributes() {
      const res = checkCompound(await client.build('pseudo').putrootfh().getattr(WALK_ATTRS).send());
      return resultOf(res, 1, 'GETATTR').values;
    },
    async readdir(components, cookie, cookieverf) {
      const b = client.build('pseudo').putrootfh();
      for (const name of components) b.lookup(name);
      const at = b.length;
      const res = checkCompound(
        await b.readdir({ cookie, cookieverf, dircount: 4096, maxcount: 32768, attrs: WALK_ATTRS }).send(),
      );
      return resultOf(res, at, 'READDIR');
    },
  };
}

/**
 * `fs` with every answer remembered: each pseudo directory is read once however many exports are searched for (a
 * snapshot of a server with many exports walks the same directories for each).
 */
export function cachedPseudoFs(fs: PseudoFs): PseudoFs {
  let root: Promise<Fattr4['values']> | undefined;
  const pages = new Map<string, Promise<ReaddirResult>>();
  return {
    rootAttributes() {
      root ??= fs.rootAttributes();
      root.catch(() => {
        root = undefined;
      });
      return root;
    },
    readdir(components, cookie, cookieverf) {
      const key = `${cookie}\0${components.join('\0')}`;
      let page = pages.get(key);
      if (page === undefined) {
        page = fs.readdir(components, cookie, cookieverf);
        pages.set(key, page);
        page.catch(() => pages.delete(key));
      }
      return page;
    },
  };
}

export interface ExportPathOptions {
  /** Use this pseudo path (`--pseudo`): no search; it must be the export when `root` is known. */
  readonly pseudo?: string;
  readonly limits?: PseudoWalkLimits;
  /** The pseudo filesystem to walk (default pseudoFsOf(client)); pass one cachedPseudoFs for several exports. */
  readonly fs?: PseudoFs;
}

export interface ExportPathResolution {
  /** The export's NFSv4 path. */
  readonly path: string;
  /** `path`: the MOUNT path works over NFSv4 too; `walk`: found in the pseudo filesystem; `forced`: `--pseudo`. */
  readonly via: 'path' | 'walk' | 'forced';
}

/**
 * The NFSv4 path of the export mounted (v3) at `exportPath`. `root`: its NFSv3 GETATTR identity, to check a path
 * and to search for; without it the path as given (or `--pseudo`) is used unchecked. Throws NfsError:
 * PSEUDO_MISMATCH (the forced path is another object), PSEUDO_NOT_FOUND (the forced path does not exist, or
 * the walk found no match), or the NFS4ERR_* of a failed LOOKUP when there is nothing to search for.
 */
export async function resolveExportPath(
  client: Nfs4Client,
  exportPath: string,
  root: ExportRootIdentity | undefined,
  options: ExportPathOptions = {},
): Promise<ExportPathResolution> {
  // A path named by the user or equal to the MOUNT path is checked on the fileid only: how a server folds its NFSv4
  // fsid into the NFSv3 one is known for ganesha and knfsd, not for every server, and a wrong guess must not lose a
  // path that works. The walk, which picks among many junctions, checks the fsid as well.
  const check = async (path: string) => {
    const { attributes } = await client.lookupPath(path, WALK_ATTRS);
    return root === undefined || attributes.values.fileid === root.fileid ? attributes.values : undefined;
  };
  if (options.pseudo !== undefined) {
    let values: Fattr4['values'] | undefined;
    try {
      values = await check(options.pseudo);
    } catch (error) {
      if (!(error instanceof NfsError) || !error.code.startsWith('NFS4ERR_')) throw error;
      throw new NfsError(
        'PSEUDO_NOT_FOUND',
        -1,
        `NFSv4 path ${options.pseudo} does not lead to an object on the server (${error.code}): give the export's Pseudo path, or leave --pseudo out to search for it`,
        error.procedure,
      );
    }
    if (values === undefined) {
      throw new NfsError(
        'PSEUDO_MISMATCH',
        -1,
        `NFSv4 path ${options.pseudo} is not the export ${exportPath} (fileid ${root?.fileid} over NFSv3): give the export's Pseudo path, or leave --pseudo out to search for it`,
        'LOOKUP',
      );
    }
    return { path: options.pseudo, via: 'forced' };
  }
  let lookupError: unknown;
  try {
    if ((await check(exportPath)) !== undefined) return { path: exportPath, via: 'path' };
  } catch (error) {
    if (!(error instanceof NfsError)) throw error;
    lookupError = error;
  }
  if (root === undefined) throw lookupError ?? new NfsError('PSEUDO_NOT_FOUND', -1, `no NFSv4 path for ${exportPath}`);
  const walk = await walkPseudoFs(options.fs ?? pseudoFsOf(client), root, options.limits);
  if (walk.path === null) {
    const capped = walk.truncated === null ? '' : `, stopped at ${walk.truncated}`;
    throw new NfsError(
      'PSEUDO_NOT_FOUND',
      -1,
      `no NFSv4 path of the server leads to ${exportPath} (fileid ${root.fileid}; ${walk.directories} pseudo directories, ${walk.entries} entries read${capped}): give it with --pseudo PATH`,
      'READDIR',
    );
  }
  return { path: walk.path, via: 'walk' };
}
