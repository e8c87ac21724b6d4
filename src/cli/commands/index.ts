// Every subcommand registers itself here; one line each keeps merges trivial.
import type { Command } from 'commander';

export const commandModules: ((program: Command) => void)[] = [];

import { register as registerCompare } from './compare.js';
import { register as registerExports } from './exports.js';
import { register as registerSnapshot } from './snapshot.js';

commandModules.push(registerExports);
commandModules.push(registerSnapshot);
commandModules.push(registerCompare);
