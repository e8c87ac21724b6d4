// RFC 5531 section 8.2 and appendix A (AUTH_NONE, AUTH_SYS, AUTH_SHORT) and RFC 2203 section 5 (RPCSEC_GSS credential).

import { XdrError, XdrReader, XdrWriter } from '../xdr/index.js';
import { RpcError } from './errors.js';

/** `struct opaque_auth { auth_flavor flavor; opaque body<400>; }`. `body` may alias a received message. */
export interface OpaqueAuth {
  readonly flavor: number;
  readonly body: Uint8Array;
}

/** The most bytes an opaque_auth body may have (RFC 5531 section 8.2). */
export const MAX_AUTH_BYTES = 400;

export const AuthFlavor = {
  AUTH_NONE: 0,
  AUTH_SYS: 1,
  AUTH_SHORT: 2,
  AUTH_DH: 3,
  RPCSEC_GSS: 6,
} as const;

const flavorNames = new Map<number, string>(Object.entries(AuthFlavor).map(([k, v]) => [v, k]));
/** The RFC name of an auth flavor, or undefined. */
export function authFlavorName(flavor: number): string | undefined {
  return flavorNames.get(flavor);
}

const EMPTY = new Uint8Array(0);

export const AUTH_NONE_CRED: OpaqueAuth = Object.freeze({ flavor: AuthFlavor.AUTH_NONE, body: EMPTY });
/** The AUTH_NONE verifier (identical to the credential; named for readability at call sites). */
export const AUTH_NONE_VERIFIER: OpaqueAuth = AUTH_NONE_CRED;

export function encodeOpaqueAuth(writer: XdrWriter, auth: OpaqueAuth): void {
  writer.writeUnsignedInt(auth.flavor);
  writer.writeVariableOpaque(auth.body, MAX_AUTH_BYTES);
}

/** The body is a view aliasing the reader's bytes. */
export function decodeOpaqueAuth(reader: XdrReader): OpaqueAuth {
  const flavor = reader.readUnsignedInt();
  const body = reader.readVariableOpaque(MAX_AUTH_BYTES);
  return { flavor, body };
}

export function opaqueAuthEncodingLength(auth: OpaqueAuth): number {
  return 8 + ((auth.body.length + 3) & ~3);
}

// ---- AUTH_SYS (RFC 5531 appendix A)

/** `struct authsys_parms { unsigned int stamp; string machinename<255>; uid; gid; gids<16>; }`. */
export interface AuthSysParams {
  readonly stamp: number;
  readonly machineName: string;
  readonly uid: number;
  readonly gid: number;
  readonly gids: readonly number[];
}

export const AUTH_SYS_MAX_MACHINE_NAME = 255;
export const AUTH_SYS_MAX_GIDS = 16;

/** Validate and encode AUTH_SYS parameters into `writer` (BAD_AUTH when a limit is broken). */
export function encodeAuthSys(writer: XdrWriter, p: AuthSysParams): void {
  checkAuthSys(p);
  writer.encode((w) => {
    w.writeUnsignedInt(p.stamp);
    w.writeString(p.machineName, AUTH_SYS_MAX_MACHINE_NAME);
    w.writeUnsignedInt(p.uid);
    w.writeUnsignedInt(p.gid);
    w.writeVariableArray(p.gids, AUTH_SYS_MAX_GIDS, (ww, g) => ww.writeUnsignedInt(g));
  });
}

/** Decode and validate an AUTH_SYS body; the whole body must be consumed. Throws XdrError on malformed bytes. */
export function decodeAuthSys(reader: XdrReader): AuthSysParams {
  const stamp = reader.readUnsignedInt();
  const machineName = reader.readString(AUTH_SYS_MAX_MACHINE_NAME);
  const uid = reader.readUnsignedInt();
  const gid = reader.readUnsignedInt();
  const gids = reader.readVariableArray(AUTH_SYS_MAX_GIDS, (r) => r.readUnsignedInt());
  return { stamp, machineName, uid, gid, gids };
}

export function authSysEncodingLength(p: AuthSysParams): number {
  return 4 + 4 + ((Buffer.byteLength(p.machineName, 'utf8') + 3) & ~3) + 8 + 4 + 4 * p.gids.length;
}

function checkAuthSys(p: AuthSysParams): void {
  if (typeof p.machineName !== 'string') throw new RpcError('BAD_AUTH', 'AUTH_SYS machine name must be a string');
  const nameBytes = Buffer.byteLength(p.machineName, 'utf8');
  if (nameBytes > AUTH_SYS_MAX_MACHINE_NAME) {
    throw new RpcError('BAD_AUTH', `AUTH_SYS machine name is ${nameBytes} bytes, the limit is 255`);
  }
  if (p.gids.length > AUTH_SYS_MAX_GIDS) {
    throw new RpcError('BAD_AUTH', `AUTH_SYS carries ${p.gids.length} gids, the limit is 16`);
  }
  for (const [what, value] of [
    ['stamp', p.stamp],
    ['uid', p.uid],
    ['gid', p.gid],
    ...p.gids.map((g, i) => [`gids[${i}]`, g] as const),
  ] as const) {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      throw new RpcError('BAD_AUTH', `AUTH_SYS ${what} ${value} is not a 32-bit unsigned integer`);
    }
  }
}

/**
 * An AUTH_SYS credential. `stamp` defaults to the current time in seconds (as libtirpc does), `gids` to none.
 * Throws RpcError BAD_AUTH for a machine name over 255 bytes, more than 16 gids or ids outside 32 bits.
 */
export function authSys(p: {
  stamp?: number;
  machineName: string;
  uid: number;
  gid: number;
  gids?: number[];
}): OpaqueAuth {
  const params: AuthSysParams = {
    stamp: p.stamp ?? Math.floor(Date.now() / 1000) >>> 0,
    machineName: p.machineName,
    uid: p.uid,
    gid: p.gid,
    gids: p.gids ?? [],
  };
  const writer = new XdrWriter(64 + 4 * params.gids.length + params.machineName.length);
  encodeAuthSys(writer, params);
  return { flavor: AuthFlavor.AUTH_SYS, body: writer.finish() };
}

// ---- RPCSEC_GSS (RFC 2203 section 5)

export const RpcGssProc = {
  RPCSEC_GSS_DATA: 0,
  RPCSEC_GSS_INIT: 1,
  RPCSEC_GSS_CONTINUE_INIT: 2,
  RPCSEC_GSS_DESTROY: 3,
} as const;
export const RpcGssService = { rpc_gss_svc_none: 1, rpc_gss_svc_integrity: 2, rpc_gss_svc_privacy: 3 } as const;
export const RPCSEC_GSS_VERS_1 = 1;

/** `rpc_gss_cred_vers_1_t`, decoded structurally (no Kerberos needed). `handle` aliases the input. */
export interface RpcGssCredential {
  readonly version: number;
  readonly gssProc: number;
  readonly seqNum: number;
  readonly service: number;
  readonly handle: Uint8Array;
}

export function encodeRpcGssCredential(writer: XdrWriter, c: RpcGssCredential): void {
  writer.encode((w) => {
    w.writeUnsignedInt(c.version);
    w.writeUnsignedInt(c.gssProc);
    w.writeUnsignedInt(c.seqNum);
    w.writeUnsignedInt(c.service);
    w.writeVariableOpaque(c.handle);
  });
}

/** Throws XdrError BAD_DISCRIMINANT for a credential version other than 1. */
export function decodeRpcGssCredential(reader: XdrReader): RpcGssCredential {
  const version = reader.readUnsignedInt();
  if (version !== RPCSEC_GSS_VERS_1) {
    throw new XdrError('BAD_DISCRIMINANT', `RPCSEC_GSS credential version ${version}, only 1 is defined`);
  }
  const gssProc = reader.readUnsignedInt();
  const seqNum = reader.readUnsignedInt();
  const service = reader.readUnsignedInt();
  const handle = reader.readVariableOpaque();
  return { version, gssProc, seqNum, service, handle };
}

// ---- any flavor

/** A credential or verifier with its body interpreted where we know the flavor; unknown flavors stay opaque. */
export type DecodedAuth =
  | { readonly flavor: typeof AuthFlavor.AUTH_NONE; readonly kind: 'AUTH_NONE'; readonly body: Uint8Array }
  | { readonly flavor: typeof AuthFlavor.AUTH_SYS; readonly kind: 'AUTH_SYS'; readonly sys: AuthSysParams }
  | { readonly flavor: typeof AuthFlavor.AUTH_SHORT; readonly kind: 'AUTH_SHORT'; readonly body: Uint8Array }
  | { readonly flavor: typeof AuthFlavor.RPCSEC_GSS; readonly kind: 'RPCSEC_GSS'; readonly gss: RpcGssCredential }
  | { readonly flavor: number; readonly kind: 'OPAQUE'; readonly body: Uint8Array };

/**
 * Interpret a credential body by flavor. AUTH_SYS and RPCSEC_GSS bodies must decode completely (trailing bytes are
 * BAD_AUTH, malformed bytes raise XdrError); AUTH_NONE and AUTH_SHORT and unknown flavors pass through as views.
 */
export function decodeAuth(auth: OpaqueAuth): DecodedAuth {
  switch (auth.flavor) {
    case AuthFlavor.AUTH_NONE:
      return { flavor: AuthFlavor.AUTH_NONE, kind: 'AUTH_NONE', body: auth.body };
    case AuthFlavor.AUTH_SYS: {
      const reader = new XdrReader(auth.body);
      const sys = decodeAuthSys(reader);
      if (!reader.done) throw new RpcError('BAD_AUTH', `AUTH_SYS body has ${reader.remaining} trailing bytes`);
      return { flavor: AuthFlavor.AUTH_SYS, kind: 'AUTH_SYS', sys };
    }
    case AuthFlavor.AUTH_SHORT:
      return { flavor: AuthFlavor.AUTH_SHORT, kind: 'AUTH_SHORT', body: auth.body };
    case AuthFlavor.RPCSEC_GSS: {
      const reader = new XdrReader(auth.body);
      const gss = decodeRpcGssCredential(reader);
      if (!reader.done) throw new RpcError('BAD_AUTH', `RPCSEC_GSS credential has ${reader.remaining} trailing bytes`);
      return { flavor: AuthFlavor.RPCSEC_GSS, kind: 'RPCSEC_GSS', gss };
    }
    default:
      return { flavor: auth.flavor, kind: 'OPAQUE', body: auth.body };
  }
}
