// Every subcommand registers itself here; one line each keeps merges trivial.
import type { Command } from 'commander';

export const commandModules: ((program: Command) => void)[] = [];
