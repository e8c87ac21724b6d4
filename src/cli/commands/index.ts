// Every subcommand registers itself here; one line each keeps merges trivial.
import type { Command } from 'commander';
import { register as clients } from './clients.js';
import { register as listen } from './listen.js';
import { register as notify } from './notify.js';

export const commandModules: ((program: Command) => void)[] = [];
commandModules.push(notify);
commandModules.push(clients);
commandModules.push(listen);
