// Every subcommand registers itself here; one line each keeps merges trivial. Order = order in --help.
import type { Command } from 'commander';
import { register as registerCheck } from './check.js';
import { register as registerClients } from './clients.js';
import { register as registerCompare } from './compare.js';
import { register as registerDemo } from './demo.js';
import { register as registerExporter } from './exporter.js';
import { register as registerExports } from './exports.js';
import { register as registerFh } from './fh.js';
import { register as registerFhGet } from './fh-get.js';
import { register as registerHealth } from './health.js';
import { register as registerListen } from './listen.js';
import { register as registerLock } from './lock.js';
import { register as registerNotify } from './notify.js';
import { register as registerPing } from './ping.js';
import { register as registerReport } from './report.js';
import { register as registerRpcinfo } from './rpcinfo.js';
import { register as registerSnapshot } from './snapshot.js';
import { register as registerWatch } from './watch.js';

export const commandModules: ((program: Command) => void)[] = [
  registerRpcinfo, // rpcinfo HOST
  registerPing, // ping HOST PROGRAM [VERSION]
  registerExports, // exports HOST
  registerFh, // fh decode (fh get joins the same group through fhGroup)
  registerFhGet, // fh get HOST:/path
  registerSnapshot, // snapshot HOST
  registerCompare, // compare A B
  registerNotify, // notify: takeover SM_NOTIFY to every monitored client
  registerClients, // clients: list and probe the statd directory's clients
  registerListen, // listen: print every SM_NOTIFY received
  registerDemo, // demo: the checks and the notify on built-in data
  registerCheck, // check: this node's HA readiness from its own configuration
  registerHealth, // health HOST[:/export]: client-view health for cluster monitors
  registerLock, // lock HOST:/path: take, test or hold an NLM / NFSv4 lock
  registerWatch, // watch HOST:/export: the failover probe
  registerReport, // report WATCH.jsonl: the HTML drill report of a watch log
  registerExporter, // exporter: Prometheus /metrics for HA parity, health and clients
];
