// Every subcommand registers itself here; one line each keeps merges trivial.
import type { Command } from 'commander';
import { register as registerClients } from './clients.js';
import { register as registerFh } from './fh.js';
import { register as registerListen } from './listen.js';
import { register as registerNotify } from './notify.js';

export const commandModules: ((program: Command) => void)[] = [
  registerFh, // fh decode (fh get joins the same group through fhGroup)
  registerNotify, // notify: takeover SM_NOTIFY to every monitored client
  registerClients, // clients: list and probe the statd directory's clients
  registerListen, // listen: print every SM_NOTIFY received
];
