/**
 * Writes and signs the zones of a plan with ldns (ECDSAP256SHA256, one combined signing key per
 * zone), children first so that each parent carries its children's DS records. Deliberate
 * breakage happens here: 'bad-signature' corrupts every RRSIG of the zone except the DNSKEY's,
 * 'ds-mismatch' publishes a DS whose digest matches no key.
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fqdn } from './names.ts';
import { run } from './process.ts';
import { type Plan, signingOrder, type ZonePlan, zoneText } from './zones.ts';

export interface BuiltZone {
  readonly apex: string;
  /** file name inside the zones dir that NSD serves */
  readonly file: string;
}

export interface Built {
  readonly zones: BuiltZone[];
  /** the root's DS records (the trust anchor) */
  readonly rootDs: string;
}

function fileBase(apex: string): string {
  return apex === '' ? 'root' : apex;
}

function ymd(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

async function makeKey(keysDir: string, apex: string): Promise<{ base: string; ds: string }> {
  const { stdout } = await run(
    'ldns-keygen',
    ['-a', 'ECDSAP256SHA256', '-k', '-r', '/dev/urandom', fqdn(apex)],
    keysDir,
  );
  const base = stdout.trim().split('\n').at(-1)!.trim();
  const ds = await run('ldns-key2ds', ['-n', '-2', `${base}.key`], keysDir);
  await writeFile(join(keysDir, 'ds'), `${ds.stdout.trim()}\n`);
  await writeFile(join(keysDir, 'base'), `${base}\n`);
  return { base: join(keysDir, base), ds: ds.stdout.trim() };
}

/**
 * Zone keys are reused across testworlds (key generation is most of the start-up work): one
 * directory per zone name under `cacheDir`, created atomically (generated aside, then renamed).
 */
async function cachedKey(cacheDir: string, apex: string): Promise<{ base: string; ds: string }> {
  const dir = join(cacheDir, apex === '' ? '_root' : apex);
  try {
    const base = (await readFile(join(dir, 'base'), 'utf8')).trim();
    const ds = (await readFile(join(dir, 'ds'), 'utf8')).trim();
    if (base && ds) return { base: join(dir, base), ds };
  } catch {
    // not cached yet
  }
  const tmp = await mkdtemp(`${dir}.tmp-`);
  const made = await makeKey(tmp, apex);
  try {
    await rename(tmp, dir);
  } catch {
    // another testworld cached this zone's key meanwhile: use that one
    await rm(tmp, { recursive: true, force: true });
    return cachedKey(cacheDir, apex);
  }
  return { base: join(dir, made.base.slice(tmp.length + 1)), ds: made.ds };
}

/** Corrupts one character of the base64 signature of every RRSIG not covering DNSKEY. */
export function corruptSignatures(signed: string): string {
  return signed
    .split('\n')
    .map((line) => {
      const f = line.split(/\s+/);
      if (f[3] !== 'RRSIG' || f[4] === 'DNSKEY') return line;
      const sig = f.at(-1)!;
      const i = Math.min(10, sig.length - 3);
      const c = sig[i] === 'A' ? 'B' : 'A';
      return line.slice(0, line.length - sig.length) + sig.slice(0, i) + c + sig.slice(i + 1);
    })
    .join('\n');
}

/** Changes one hex digit of each DS digest: the DS then matches no key. */
export function mismatchDs(ds: string): string {
  return ds
    .split('\n')
    .map((line) => {
      const f = line.trim().split(/\s+/);
      const digest = f.at(-1);
      if (f[3] !== 'DS' || !digest) return line;
      const c = digest[0] === '0' ? '1' : '0';
      return line.trim().slice(0, line.trim().length - digest.length) + c + digest.slice(1);
    })
    .join('\n');
}

/** Rethrows a zone-file error with the zone and the offending line. */
async function explain<T>(apex: string, file: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const msg = (e as Error).message;
    const m = /line (\d+)/.exec(msg);
    let line = '';
    if (m) {
      const text = (await readFile(file, 'utf8')).split('\n')[Number(m[1]) - 1];
      if (text !== undefined) line = `: ${text.replaceAll('\t', ' ')}`;
    }
    const why = /failed: (.*)$/s.exec(msg)?.[1]?.trim() ?? msg;
    throw new Error(`testworld zone ${fqdn(apex)} is invalid${line} (${why})`);
  }
}

/** Writes every zone of the plan into `dir`/zones, signing the signed ones. */
export async function buildZones(plan: Plan, dir: string, keyCache?: string): Promise<Built> {
  const zonesDir = join(dir, 'zones');
  const keysDir = join(dir, 'keys');
  await mkdir(zonesDir, { recursive: true });
  await mkdir(keysDir, { recursive: true });

  const order = signingOrder(plan);
  // Keys first, all at once (key generation is independent).
  const keys = new Map<string, { base: string; ds: string }>();
  await Promise.all(
    order
      .filter((z) => z.signed)
      .map(async (z) => {
        keys.set(z.apex, await cachedKey(keyCache ?? keysDir, z.apex));
      }),
  );

  const now = Date.now();
  const inception = ymd(new Date(now - 2 * 86400_000));
  const expiration = ymd(new Date(now + 60 * 86400_000));
  const longAgo = ymd(new Date(now - 60 * 86400_000));
  const expiredAt = ymd(new Date(now - 2 * 86400_000));
  const built: BuiltZone[] = [];

  // Sign level by level (deepest first), zones of one level in parallel.
  const levels = new Map<number, ZonePlan[]>();
  for (const z of order) {
    const depth = z.apex === '' ? 0 : z.apex.split('.').length;
    levels.set(depth, [...(levels.get(depth) ?? []), z]);
  }
  for (const depth of [...levels.keys()].sort((a, b) => b - a)) {
    await Promise.all(
      levels.get(depth)!.map(async (z) => {
        if (!z.served) return;
        const dsLines: string[] = [];
        for (const child of z.children) {
          const c = plan.zones.get(child)!;
          const k = keys.get(child);
          if (!c.signed || !k) continue;
          dsLines.push(c.broken === 'ds-mismatch' ? mismatchDs(k.ds) : k.ds);
        }
        const base = fileBase(z.apex);
        const plainFile = join(zonesDir, `${base}.zone`);
        await writeFile(plainFile, zoneText(z, dsLines));
        if (!z.signed) {
          await explain(z.apex, plainFile, run('ldns-read-zone', [plainFile]));
          built.push({ apex: z.apex, file: `${base}.zone` });
          return;
        }
        const key = keys.get(z.apex)!;
        const signedFile = `${plainFile}.signed`;
        const expired = z.broken === 'expired-signature';
        const args = [
          '-i',
          expired ? longAgo : inception,
          '-e',
          expired ? expiredAt : expiration,
          '-f',
          signedFile,
          plainFile,
          key.base,
        ];
        await explain(z.apex, plainFile, run('ldns-signzone', args));
        if (z.broken === 'bad-signature') {
          await writeFile(signedFile, corruptSignatures(await readFile(signedFile, 'utf8')));
        }
        built.push({ apex: z.apex, file: `${base}.zone.signed` });
      }),
    );
  }
  const rootKey = keys.get('');
  if (!rootKey) throw new Error('the root zone has no key');
  return { zones: built, rootDs: rootKey.ds };
}
