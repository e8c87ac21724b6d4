// RFC 5531 appendix C and /etc/rpc — well-known ONC RPC program numbers, usable both ways.

/** Canonical names (as rpcinfo prints them) -> program numbers. */
export const PROGRAMS = {
  portmapper: 100000,
  rstatd: 100001,
  rusersd: 100002,
  nfs: 100003,
  ypserv: 100004,
  mountd: 100005,
  ypbind: 100007,
  walld: 100008,
  yppasswdd: 100009,
  etherstatd: 100010,
  rquotad: 100011,
  sprayd: 100012,
  '3270_mapper': 100013,
  rje_mapper: 100014,
  selection_svc: 100015,
  database_svc: 100016,
  rexd: 100017,
  alis: 100018,
  sched: 100019,
  llockmgr: 100020,
  nlockmgr: 100021,
  x25_inr: 100022,
  statmon: 100023,
  status: 100024,
  bootparam: 100026,
  ypupdated: 100028,
  keyserv: 100029,
  sunlink_mapper: 100033,
  tfsd: 100037,
  nsed: 100038,
  nsemntd: 100039,
  showfhd: 100043,
  ioadmd: 100055,
  NETlicense: 100062,
  sunisamd: 100065,
  debug_svc: 100066,
  ypxfrd: 100069,
  bugtraqd: 100071,
  kerbd: 100078,
  event: 100101,
  logger: 100102,
  sync: 100104,
  hostperf: 100107,
  activity: 100109,
  hostmem: 100112,
  sample: 100113,
  x25: 100114,
  ping: 100115,
  rpcnfs: 100116,
  'hostif-mib': 100117,
  'stuff-mib': 100118,
  nfs_acl: 100227,
  gssd: 100234,
  nfscb: 100232,
  fedfs_admin: 100418,
  sgi_fam: 391002,
} as const;

/** Other names people type for the same programs. */
const ALIASES: Readonly<Record<string, number>> = {
  rpcbind: 100000,
  portmap: 100000,
  sunrpc: 100000,
  nfsprog: 100003,
  mount: 100005,
  showmount: 100005,
  nlm: 100021,
  lockd: 100021,
  statd: 100024,
  nsm: 100024,
  rquota: 100011,
  quota: 100011,
  nfsacl: 100227,
};

const byNumber = new Map<number, string>();
for (const [name, number] of Object.entries(PROGRAMS)) if (!byNumber.has(number)) byNumber.set(number, name);
const byName = new Map<string, number>();
for (const [name, number] of Object.entries(PROGRAMS)) byName.set(name.toLowerCase(), number);
for (const [name, number] of Object.entries(ALIASES)) byName.set(name, number);

/** A program name (canonical or alias, case-insensitive) or a decimal number -> the program number. */
export function programNumber(nameOrNumber: string): number | undefined {
  const text = nameOrNumber.trim();
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value <= 0xffffffff ? value : undefined;
  }
  return byName.get(text.toLowerCase());
}

/** The canonical name of a well-known program number. */
export function programName(program: number): string | undefined {
  return byNumber.get(program);
}
