// statd.shared-dir, statd.name, rpc-pipefs.local: the NSM state a failover hands over (HA-NFS: a shared
// /var/lib/nfs, statd announcing the floating name, rpc_pipefs kept on local storage).
import { type ConfValue, describeMount, isUnder, parseIni, placement, readShellVariables } from './context.js';
import type { NodeFiles } from './node-files.js';
import { type CheckResult, type CheckStatus, result, worst } from './report.js';

export function statdSharedDirCheck(files: NodeFiles, dir: { path: string; evidence: string }): CheckResult {
  const subject = dir.path;
  if (files.lstat(dir.path) === undefined) {
    return result(
      'statd.shared-dir',
      'skip',
      subject,
      `${dir.path} does not exist (statd not installed or not set up)`,
      dir.evidence,
    );
  }
  let status: CheckStatus = 'pass';
  const notes: string[] = [];
  const remedies: string[] = [];
  let evidence = dir.evidence;
  const problem = (s: CheckStatus, note: string, remedy: string, at?: string): void => {
    if (s !== 'pass' && status === 'pass' && at !== undefined) evidence = at;
    status = worst(status, s);
    notes.push(note);
    if (remedy !== '') remedies.push(remedy);
  };
  const place = placement(files, dir.path);
  const link = files.lstat(dir.path)?.isSymbolicLink() === true ? `a link to ${place.resolved}, ` : '';
  if (place.kind === 'unknown') problem('skip', `${link}${place.reason}`, '');
  else if (place.kind === 'root') {
    problem(
      'fail',
      `${link}on the root filesystem (${describeMount(place.mount)})`,
      `make ${dir.path} a link to or a mount of the shared filesystem`,
      place.evidence,
    );
  } else if (place.kind === 'memory') {
    problem(
      'fail',
      `${link}on a memory filesystem (${describeMount(place.mount)})`,
      `make ${dir.path} a link to or a mount of the shared filesystem`,
      place.evidence,
    );
  } else notes.push(`${link}on ${describeMount(place.mount)}`);
  const sm = files.lstat(`${place.resolved}/sm`);
  const bak = files.lstat(`${place.resolved}/sm.bak`);
  if (sm?.isDirectory() !== true || bak?.isDirectory() !== true) {
    const missing = [sm?.isDirectory() === true ? '' : 'sm/', bak?.isDirectory() === true ? '' : 'sm.bak/'].filter(
      (m) => m !== '',
    );
    problem(
      'fail',
      `${missing.join(' and ')} missing or not a directory`,
      `create ${missing.join(' and ')} owned by the statd user (rpcuser/statd)`,
      files.evidence(dir.path),
    );
  } else if (sm.uid !== bak.uid) {
    problem(
      'fail',
      `sm/ (uid ${sm.uid}) and sm.bak/ (uid ${bak.uid}) have different owners`,
      'chown sm/ and sm.bak/ to the statd user',
      files.evidence(`${dir.path}/sm.bak`),
    );
  } else notes.push(`sm/ and sm.bak/ owned by uid ${sm.uid}`);
  const state = files.lstat(`${place.resolved}/state`);
  if (state === undefined)
    problem(
      'warn',
      'no state file yet (statd writes it when it first starts)',
      'start statd once on the shared directory',
      files.evidence(`${dir.path}/state`),
    );
  else if (state.isFile() && state.size === 0) {
    problem(
      'warn',
      'state is empty (statd initialises it when it first starts)',
      'start statd once on the shared directory',
      files.evidence(`${dir.path}/state`),
    );
  } else if (!state.isFile() || state.size !== 4) {
    problem(
      'fail',
      'state is not a 4-byte file',
      'remove the state file; statd rewrites it',
      files.evidence(`${dir.path}/state`),
    );
  } else notes.push('state is valid');
  return result('statd.shared-dir', status, subject, notes.join('; '), evidence, remedies.join('; '));
}

interface NameSource {
  name: string;
  evidence: string;
}

/** `-n NAME`, `-nNAME`, `--name NAME` or `--name=NAME` in an rpc.statd argument string. */
export function statdNameOption(args: string): string | undefined {
  const words = args.split(/\s+/).filter((w) => w !== '');
  let name: string | undefined;
  words.forEach((w, i) => {
    if (w === '-n' || w === '--name') name = words[i + 1] ?? name;
    else if (w.startsWith('--name=')) name = w.slice('--name='.length);
    else if (/^-n.+/.test(w)) name = w.slice(2);
  });
  return name;
}

export function statdNameCheck(
  files: NodeFiles,
  conf: Map<string, ConfValue>,
  floating: string | undefined,
): { result: CheckResult; name: string | null } {
  const sources: NameSource[] = [];
  const fromConf = conf.get('statd.name');
  if (fromConf !== undefined && fromConf.value !== '')
    sources.push({ name: fromConf.value, evidence: fromConf.evidence });
  const shellFiles: [string, string[]][] = [
    ['/etc/default/nfs-common', ['STATDOPTS']],
    ['/etc/sysconfig/nfs', ['STATD_HOSTNAME', 'STATDARG', 'RPCSTATDARGS']],
  ];
  for (const [file, keys] of shellFiles) {
    const r = files.read(file);
    if (!r.ok) continue;
    const vars = readShellVariables(r.text);
    for (const key of keys) {
      const v = vars.get(key);
      if (v === undefined) continue;
      const name = key === 'STATD_HOSTNAME' ? v.value : statdNameOption(v.value);
      if (name !== undefined && name !== '') sources.push({ name, evidence: files.evidence(file, v.line) });
    }
  }
  const names = [...new Set(sources.map((s) => s.name))];
  const subject = floating ?? 'statd';
  const remedy = `set [statd] name=${floating ?? 'FLOATING-NAME'} in /etc/nfs.conf (and nowhere else)`;
  if (names.length === 0) {
    return {
      result: result(
        'statd.name',
        'fail',
        subject,
        "statd announces this node's own hostname: clients ignore its SM_NOTIFY after a failover",
        'etc/nfs.conf',
        remedy,
      ),
      name: null,
    };
  }
  if (names.length > 1) {
    return {
      result: result(
        'statd.name',
        'fail',
        subject,
        `statd is given different names: ${sources.map((s) => `${s.name} (${s.evidence})`).join(', ')}`,
        sources[1]!.evidence,
        remedy,
      ),
      name: sources[sources.length - 1]!.name,
    };
  }
  const [name] = names as [string];
  const evidence = sources[0]!.evidence;
  if (floating === undefined) {
    return {
      result: result(
        'statd.name',
        'pass',
        name,
        `statd announces ${name} (give --floating NAME to confirm it is the floating name)`,
        evidence,
      ),
      name,
    };
  }
  if (name.toLowerCase() !== floating.toLowerCase()) {
    return {
      result: result(
        'statd.name',
        'fail',
        subject,
        `statd announces ${name}, not the floating name ${floating}`,
        evidence,
        remedy,
      ),
      name,
    };
  }
  return { result: result('statd.name', 'pass', subject, `statd announces the floating name ${name}`, evidence), name };
}

export function rpcPipefsCheck(files: NodeFiles, conf: Map<string, ConfValue>, dir: { path: string }): CheckResult[] {
  const statd = files.resolve(dir.path);
  const candidates: { path: string; evidence: string; how: string }[] = [];
  const table = files.mountTable();
  if (!('reason' in table)) {
    for (const m of table.mounts) {
      if (m.fsType === 'rpc_pipefs')
        candidates.push({ path: m.mountPoint, evidence: files.evidence(table.file, m.line), how: 'mounted' });
    }
  }
  const idmapd = files.read('/etc/idmapd.conf');
  if (idmapd.ok) {
    parseIni(idmapd.text, (section, key, value, line) => {
      if (section === 'general' && key === 'pipefs-directory' && value !== '') {
        candidates.push({
          path: value,
          evidence: files.evidence('/etc/idmapd.conf', line),
          how: 'idmapd.conf Pipefs-Directory',
        });
      }
    });
  }
  const general = conf.get('general.pipefs-directory');
  if (general !== undefined && general.value !== '')
    candidates.push({ path: general.value, evidence: general.evidence, how: 'nfs.conf pipefs-directory' });
  if (candidates.length === 0) candidates.push({ path: '/var/lib/nfs/rpc_pipefs', evidence: '', how: 'the default' });
  const seen = new Set<string>();
  const results: CheckResult[] = [];
  for (const c of candidates) {
    const resolved = files.resolve(c.path);
    if (seen.has(resolved)) continue;
    seen.add(resolved);
    if (isUnder(resolved, statd)) {
      results.push(
        result(
          'rpc-pipefs.local',
          'fail',
          c.path,
          `rpc_pipefs (${c.how}) lies under the shared statd directory ${dir.path}: the nodes would share one kernel pipe directory`,
          c.evidence,
          `mount rpc_pipefs elsewhere (e.g. /run/rpc_pipefs): set Pipefs-Directory in /etc/idmapd.conf and [general] pipefs-directory in /etc/nfs.conf, and the var-lib-nfs-rpc_pipefs.mount unit`,
        ),
      );
    } else {
      results.push(
        result(
          'rpc-pipefs.local',
          'pass',
          c.path,
          `rpc_pipefs (${c.how}) is outside the statd directory ${dir.path}`,
          c.evidence,
        ),
      );
    }
  }
  return results;
}
