// Every subcommand registers itself here; one line each keeps merges trivial.
import type { Command } from 'commander';
import { register as registerFh } from './fh.js';
import { register as registerPing } from './ping.js';
import { register as registerRpcinfo } from './rpcinfo.js';

export const commandModules: ((program: Command) => void)[] = [
  registerFh, // fh decode (fh get joins the same group through fhGroup)
  registerRpcinfo, // rpcinfo HOST
  registerPing, // ping HOST PROGRAM [VERSION]
];
