/**
 * Starting and stopping a testworld: slot, zones, keys, NSD, two Unbound instances and the helper
 * (silent resolver + REFUSED server).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../scenario.ts';
import { toolPath } from '../tools.ts';
import { buildZones } from './build.ts';
import { nsdConf, rootHints, type UnboundTuning, unboundConf } from './config.ts';
import { HELPER_SCRIPT } from './helper.ts';
import { waitForDns } from './probe.ts';
import { stopProcesses } from './process.ts';
import { acquireSlot, releaseSlot, SLOT_ROOT, setSlotOwner, slotLockDir } from './slot.ts';
import { planZones } from './zones.ts';

export interface Testworld {
  readonly slot: number;
  /** '127.S' */
  readonly net: string;
  /** ip('2.10') → '127.S.2.10' */
  ip(suffix: string): string;
  /** validating Unbound, port 53 */
  readonly resolver: string;
  /** non-validating Unbound, port 53 */
  readonly nonValidatingResolver: string;
  /** UDP+TCP socket at {net}.0.9:53 that accepts and never answers */
  readonly silentResolver: string;
  /** the NSD addresses ({net}.0.1, {net}.0.2) */
  readonly authoritative: readonly string[];
  /** the server answering REFUSED ({net}.0.66) */
  readonly refusedServer: string;
  /** temp dir: zones, keys, configs, logs */
  readonly dir: string;
  /** the scenario domains (zone apexes, no trailing dot) */
  readonly domains: string[];
  /** pids of the daemons (nsd, unbound ×2, helper) */
  readonly pids: readonly number[];
  /** the root's DS records (Unbound's trust anchor) */
  readonly trustAnchor: string;
  /** { MAILSEC_RESOLVER: resolver } */
  env(): Record<string, string>;
  /** the state `stopTestworldByState` needs */
  state(): TestworldState;
  /** writes `state()` as JSON to `path` */
  saveState(path: string): void;
  /** kills daemons, closes sockets, removes dir (unless keepDir) and the slot lock */
  stop(): Promise<void>;
}

export interface TestworldState {
  readonly version: 1;
  readonly slot: number;
  readonly net: string;
  readonly dir: string;
  readonly resolver: string;
  readonly nonValidatingResolver: string;
  readonly silentResolver: string;
  readonly domains: string[];
  readonly pids: number[];
  readonly keepDir: boolean;
  readonly startedAt: string;
}

export interface StartOptions {
  /** default: every scenario exported by testworld/scenarios/index.ts */
  readonly scenarios?: readonly Scenario[];
  /** a fixed slot (1–254); default: a free one in 100–199 */
  readonly slot?: number;
  /** the directory to use (created if missing); default: a fresh one under /tmp/mailsec-testworld */
  readonly dir?: string;
  /** keep the directory on stop (for inspection) */
  readonly keepDir?: boolean;
  /**
   * Start the daemons in their own sessions so they outlive this process (for `mailsec testworld up`):
   * save the state with `saveState(file)` and stop later with `stopTestworldByState(file)`.
   */
  readonly detached?: boolean;
  /**
   * Where zone keys are cached between testworlds (default /tmp/mailsec-testworld/keys); false
   * generates fresh keys into the testworld's own dir.
   */
  readonly keyCache?: string | false;
  /** startup timeout (ms), default 20000 */
  readonly timeoutMs?: number;
  /**
   * Zones built elsewhere (the scale world's cache): NSD includes `nsdInclude` (its `zone:`
   * entries, absolute paths), and the root delegates each of `delegations` to ns1/ns2.nic.test with
   * the given DS lines.
   */
  readonly prebuilt?: {
    readonly nsdInclude: string;
    readonly delegations: readonly { readonly apex: string; readonly ds: readonly string[] }[];
  };
  /** more addresses (suffixes of {net}, e.g. '10.1') NSD answers on: name servers of scenario operators */
  readonly nsdAddresses?: readonly string[];
  /**
   * Latency per round trip to the authoritative servers (ms): NSD then listens on {net}.0.201 only
   * and a relay process (testworld/dns/relay.ts) holds every message on {net}.0.1, .0.2 and the
   * `nsdAddresses` for half of it each way.
   */
  readonly latencyMs?: number;
  /** Unbound sizing (threads, caches, outgoing range) for large worlds */
  readonly unbound?: UnboundTuning;
  /** NSD server processes (default 1) */
  readonly nsdServers?: number;
}

function tail(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n') || '(empty log)';
  } catch {
    return '(no log)';
  }
}

interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  exited?: string;
}

function startDaemon(name: string, cmd: string, args: string[], log: string, detached: boolean): Daemon {
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(toolPath(cmd), args, { stdio: ['ignore', fd, fd], detached });
  } finally {
    closeSync(fd);
  }
  const d: Daemon = { name, child, log };
  child.on('error', (e) => {
    d.exited =
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'not installed (run scripts/install-debian-deps.sh)'
        : e.message;
  });
  child.on('exit', (code, sig) => {
    d.exited = `exited with ${sig ?? code}`;
  });
  if (detached) child.unref();
  return d;
}

interface HelperConfig {
  readonly silent: string;
  readonly refused: string;
  readonly dir: string;
  readonly lock: string;
  readonly keepDir: boolean;
  /** the pid to watch (0 when detached) */
  readonly watchPid: number;
}

function startHelper(cfg: HelperConfig, detached: boolean): Promise<Daemon> {
  const script = join(cfg.dir, 'helper.cjs');
  writeFileSync(script, HELPER_SCRIPT);
  const child = spawn(process.execPath, [script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached,
    env: { ...process.env, MAILSEC_TW_HELPER: JSON.stringify(cfg) },
  });
  const d: Daemon = { name: 'helper', child, log: '' };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`testworld helper (silent/refused servers) did not start: ${out}`));
    }, 10000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.destroy();
        if (detached) child.unref();
        resolve(d);
      } else if (out.includes('\n')) {
        clearTimeout(timer);
        reject(new Error(`testworld helper (silent/refused servers) failed: ${out.trim()}`));
      }
    });
    child.on('exit', (code, sig) => {
      d.exited = `exited with ${sig ?? code}`;
      clearTimeout(timer);
      reject(new Error(`testworld helper (silent/refused servers) ${d.exited}: ${out.trim()}`));
    });
  });
}

const RELAY_SCRIPT = fileURLToPath(new URL('./relay.ts', import.meta.url));

/** The latency relay as its own process; resolves once it prints "ready". */
function startRelayProcess(configFile: string, log: string, detached: boolean): Promise<Daemon> {
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [RELAY_SCRIPT, configFile], { stdio: ['ignore', 'pipe', fd], detached });
  } finally {
    closeSync(fd);
  }
  const d: Daemon = { name: 'relay', child, log };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`testworld latency relay did not start: ${out}`));
    }, 10000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.destroy();
        if (detached) child.unref();
        resolve(d);
      } else if (out.includes('\n')) {
        clearTimeout(timer);
        reject(new Error(`testworld latency relay failed: ${out.trim()}`));
      }
    });
    child.on('exit', (code, sig) => {
      d.exited = `exited with ${sig ?? code}`;
      clearTimeout(timer);
      reject(new Error(`testworld latency relay ${d.exited}: ${out.trim()}`));
    });
  });
}

/** Resolves when node has seen the child exit (so it is reaped, not a zombie), or after `ms`. */
function reaped(d: Daemon, ms: number): Promise<void> {
  const c = d.child;
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Clean-ups of the testworlds of this process that were not stopped (one 'exit' listener for all). */
const atExit = new Set<() => void>();
process.on('exit', () => {
  for (const f of atExit) f();
});

async function defaultScenarios(): Promise<readonly Scenario[]> {
  const mod = (await import('../scenarios/index.ts')) as { scenarios: readonly Scenario[] };
  return mod.scenarios;
}

/** Starts a testworld; resolves once both resolvers answer. */
export async function startTestworld(options: StartOptions = {}): Promise<Testworld> {
  const scenarios = options.scenarios ?? (await defaultScenarios());
  const detached = options.detached ?? false;
  const timeoutMs = options.timeoutMs ?? 20000;
  await mkdir(SLOT_ROOT, { recursive: true });
  const dir = resolvePath(options.dir ?? mkdtempSync(join(SLOT_ROOT, 'world-')));
  await mkdir(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`testworld dir ${dir} must be empty or missing`);
  const slot = acquireSlot(dir, options.slot);
  const net = `127.${slot}`;
  const daemons: Daemon[] = [];
  const keepDir = options.keepDir ?? false;

  const cleanupSync = () => {
    for (const d of daemons) {
      try {
        if (d.child.pid) process.kill(d.child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
    releaseSlot(slot);
  };

  try {
    const plan = planZones(scenarios, net);
    if (options.prebuilt) {
      const root = plan.zones.get('')!;
      for (const d of options.prebuilt.delegations) {
        if (plan.zones.has(d.apex)) throw new Error(`prebuilt zone ${d.apex} is also a scenario zone`);
        root.lines.push(
          `${d.apex}.\t3600\tIN\tNS\tns1.nic.test.`,
          `${d.apex}.\t3600\tIN\tNS\tns2.nic.test.`,
          ...d.ds,
        );
        plan.tlds.push(d.apex);
      }
    }
    const keyCache = options.keyCache === false ? undefined : (options.keyCache ?? join(SLOT_ROOT, 'keys'));
    if (keyCache) await mkdir(keyCache, { recursive: true });
    const built = await buildZones(plan, dir, keyCache);
    await mkdir(join(dir, 'nsd'), { recursive: true });
    const nsdConfFile = join(dir, 'nsd.conf');
    const publicNs = [`${net}.0.1`, `${net}.0.2`, ...(options.nsdAddresses ?? []).map((a) => `${net}.${a}`)];
    const latency = options.latencyMs ?? 0;
    const backend = `${net}.0.201`;
    await writeFile(
      nsdConfFile,
      nsdConf(dir, net, built.zones, {
        addresses: latency > 0 ? [backend] : publicNs,
        ...(options.prebuilt ? { include: options.prebuilt.nsdInclude } : {}),
        ...(options.nsdServers ? { servers: options.nsdServers } : {}),
      }),
    );
    await writeFile(join(dir, 'root.hints'), rootHints(net));
    await writeFile(join(dir, 'root.ds'), `${built.rootDs}\n`);
    const resolver = `${net}.0.53`;
    const nonValidatingResolver = `${net}.0.54`;
    const silentResolver = `${net}.0.9`;
    const refusedServer = `${net}.0.66`;
    const ubConf = (name: string, address: string, validating: boolean) => {
      const file = join(dir, `${name}.conf`);
      writeFileSync(
        file,
        unboundConf({
          dir,
          net,
          address,
          name,
          validating,
          tlds: plan.tlds,
          ...(options.unbound ? { tuning: options.unbound } : {}),
        }),
      );
      return file;
    };
    const vConf = ubConf('unbound', resolver, true);
    const nvConf = ubConf('unbound-nv', nonValidatingResolver, false);

    const helperP = startHelper(
      {
        silent: silentResolver,
        refused: refusedServer,
        dir,
        lock: slotLockDir(slot),
        keepDir,
        watchPid: detached ? 0 : process.pid,
      },
      detached,
    );
    helperP.then((h) => daemons.push(h)).catch(() => {});
    const nsd = startDaemon('nsd', 'nsd', ['-d', '-c', nsdConfFile], join(dir, 'nsd.stderr'), detached);
    daemons.push(nsd);
    const nsdFatal = () =>
      nsd.exited
        ? `nsd failed to start (${nsd.exited}): ${tail(join(dir, 'nsd.log'))}\n${tail(nsd.log)}`
        : undefined;
    if (latency > 0) {
      await waitForDns(backend, '.', 'SOA', timeoutMs, nsdFatal);
      const relayConf = join(dir, 'relay.json');
      writeFileSync(relayConf, JSON.stringify({ listen: publicNs, backend, delayMs: latency }));
      const relay = await startRelayProcess(relayConf, join(dir, 'relay.log'), detached);
      daemons.push(relay);
    }
    await waitForDns(`${net}.0.1`, '.', 'SOA', timeoutMs, nsdFatal);
    await waitForDns(`${net}.0.2`, '.', 'SOA', timeoutMs, nsdFatal);

    const ub = startDaemon('unbound', 'unbound', ['-d', '-c', vConf], join(dir, 'unbound.stderr'), detached);
    const ubnv = startDaemon(
      'unbound-nv',
      'unbound',
      ['-d', '-c', nvConf],
      join(dir, 'unbound-nv.stderr'),
      detached,
    );
    daemons.push(ub, ubnv);
    const ubFatal = (d: Daemon) => () =>
      d.exited
        ? `${d.name} failed to start (${d.exited}): ${tail(join(dir, `${d.name}.log`))}\n${tail(d.log)}`
        : undefined;
    await Promise.all([
      helperP,
      waitForDns(resolver, 'test.', 'SOA', timeoutMs, ubFatal(ub)),
      waitForDns(nonValidatingResolver, 'test.', 'SOA', timeoutMs, ubFatal(ubnv)),
    ]);
    const pids = daemons.map((d) => d.child.pid).filter((p) => p !== undefined);
    writeFileSync(join(dir, 'pids.json'), JSON.stringify(pids));
    if (detached) setSlotOwner(slot, ub.child.pid!, dir);
    else atExit.add(onExit);

    let stopped = false;
    const state = (): TestworldState => ({
      version: 1,
      slot,
      net,
      dir,
      resolver,
      nonValidatingResolver,
      silentResolver,
      domains: [...plan.domains],
      pids: [...pids],
      keepDir,
      startedAt,
    });
    const startedAt = new Date().toISOString();
    function onExit() {
      if (!stopped) cleanupSync();
    }
    return {
      slot,
      net,
      ip: (suffix: string) => `${net}.${suffix}`,
      resolver,
      nonValidatingResolver,
      silentResolver,
      authoritative: [`${net}.0.1`, `${net}.0.2`],
      refusedServer,
      dir,
      domains: [...plan.domains],
      pids,
      trustAnchor: built.rootDs,
      env: () => ({ MAILSEC_RESOLVER: resolver }),
      state,
      saveState(path: string) {
        writeFileSync(path, `${JSON.stringify(state(), null, 2)}\n`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        atExit.delete(onExit);
        await stopProcesses(pids, `${dir}/`);
        if (!detached) await Promise.all(daemons.map((d) => reaped(d, 2000)));
        if (!keepDir) rmSync(dir, { recursive: true, force: true });
        releaseSlot(slot);
      },
    };
  } catch (e) {
    await stopProcesses(
      daemons.map((d) => d.child.pid ?? 0),
      `${dir}/`,
      500,
    );
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
    releaseSlot(slot);
    throw e;
  }
}

/** Stops a testworld started (usually `detached`) by another process, from its saved state file. */
export async function stopTestworldByState(
  stateFile: string,
  options: { keepDir?: boolean } = {},
): Promise<void> {
  const s = JSON.parse(readFileSync(stateFile, 'utf8')) as TestworldState;
  if (s.version !== 1 || typeof s.dir !== 'string' || !s.dir.startsWith('/'))
    throw new Error(`${stateFile} is not a testworld state file`);
  await stopProcesses(s.pids, `${s.dir}/`);
  if (!(options.keepDir ?? false) && existsSync(s.dir)) rmSync(s.dir, { recursive: true, force: true });
  releaseSlot(s.slot);
  rmSync(stateFile, { force: true });
}

/** Alias of `stopTestworldByState`. */
export const stopFromState = stopTestworldByState;
