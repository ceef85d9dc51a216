/**
 * A world: the base population of `size` domains and the mutations applied to it. Mutation m
 * draws its `changes` from its own seed: a domain changes one published fact (80 %), is removed
 * (10 %), or a new domain is added (10 %). `World.deltas()` says which domains changed which
 * statistic, for `mailsec report --compare` tests.
 */
import {
  baseProfile,
  type Dkim,
  type DmarcPolicy,
  type Profile,
  type SpfStyle,
  type WorldSpec,
} from './model.ts';
import { Rng } from './rng.ts';
import { counted, DNS_ONLY, domainTruth, type Key, type ScanMode, type Verdict } from './truth.ts';

export interface Change {
  readonly mutation: number;
  readonly op: 'modify' | 'add' | 'remove';
  readonly index: number;
  readonly domain: string;
  /** modify: the fact that changed */
  readonly fact?: string;
}

const ASPECTS = ['dnssec', 'mx', 'spf', 'dkim', 'dmarc', 'caa', 'mtaSts', 'tlsRpt', 'bimi', 'fate'] as const;
const SPF: SpfStyle[] = [
  'none',
  'deny-all',
  'redirect',
  'include-hardfail',
  'include-softfail',
  'include-neutral',
];
const DKIM: Dkim[] = ['none', 'private', 'default'];
const POLICIES: (DmarcPolicy | null)[] = [null, 'none', 'quarantine', 'reject'];

function modify(p: Profile, rng: Rng): { profile: Profile; fact: string } {
  const aspect = ASPECTS[rng.int(ASPECTS.length)]!;
  const other = <T>(list: readonly T[], now: T): T => {
    const rest = list.filter((x) => x !== now);
    return rest[rng.int(rest.length)]!;
  };
  switch (aspect) {
    case 'dnssec':
      if (p.fate !== 'ok') return { profile: { ...p, fate: 'ok' }, fact: 'fate' };
      return { profile: { ...p, signed: !p.signed }, fact: aspect };
    case 'mx': {
      const mail: Profile['mail'] =
        p.mail.kind === 'none'
          ? { kind: 'provider', provider: 'alpine' }
          : p.mail.kind === 'provider' && p.mail.provider !== 'exo'
            ? { kind: 'provider', provider: 'exo' }
            : { kind: 'none' };
      const dkim = mail.kind === 'none' ? 'none' : p.dkim === 'm365' ? 'none' : p.dkim;
      return { profile: { ...p, mail, dkim }, fact: aspect };
    }
    case 'spf':
      return { profile: { ...p, spf: other(SPF, p.spf) }, fact: aspect };
    case 'dkim':
      return { profile: { ...p, dkim: other(DKIM, p.dkim) }, fact: aspect };
    case 'dmarc': {
      const pol = other(POLICIES, p.dmarc?.p ?? null);
      return { profile: { ...p, dmarc: pol ? { p: pol, rua: p.dmarc?.rua ?? 'own' } : null }, fact: aspect };
    }
    case 'caa':
      return { profile: { ...p, caa: !p.caa }, fact: aspect };
    case 'mtaSts':
      return { profile: { ...p, mtaSts: !p.mtaSts }, fact: aspect };
    case 'tlsRpt':
      return { profile: { ...p, tlsRpt: !p.tlsRpt }, fact: aspect };
    case 'bimi':
      return { profile: { ...p, bimi: p.bimi ? null : { certificate: rng.chance(0.5) } }, fact: aspect };
    case 'fate':
      return { profile: { ...p, fate: p.fate === 'ok' ? 'lame' : 'ok' }, fact: aspect };
  }
}

export class World {
  readonly spec: WorldSpec;
  /** indices 0 … indexCount-1 (removed ones included) */
  readonly indexCount: number;
  readonly changes: readonly Change[];
  private readonly overrides = new Map<number, Profile | null>();

  constructor(spec: WorldSpec) {
    this.spec = spec;
    let next = spec.size;
    const changes: Change[] = [];
    spec.mutations.forEach((m, mi) => {
      const touched = new Set<number>();
      for (let k = 0; k < m.changes; k++) {
        const rng = new Rng(m.seed, 'change', mi, k);
        const r = rng.next();
        if (r < 0.1) {
          const index = next++;
          const p = baseProfile({ ...spec, seed: `${spec.seed}.${m.seed}.${mi}` }, index);
          this.overrides.set(index, p);
          touched.add(index);
          changes.push({ mutation: mi, op: 'add', index, domain: p.name });
          continue;
        }
        let index = -1;
        for (let tries = 0; tries < 1000; tries++) {
          const i = rng.int(next);
          if (!touched.has(i) && this.profile(i) !== null) {
            index = i;
            break;
          }
        }
        if (index < 0) continue;
        touched.add(index);
        const before = this.profile(index)!;
        if (r < 0.2) {
          this.overrides.set(index, null);
          changes.push({ mutation: mi, op: 'remove', index, domain: before.name });
        } else {
          const { profile, fact } = modify(before, rng);
          this.overrides.set(index, profile);
          changes.push({ mutation: mi, op: 'modify', index, domain: before.name, fact });
        }
      }
    });
    this.indexCount = next;
    this.changes = changes;
  }

  /** The profile at `index`, or null when removed. */
  profile(index: number): Profile | null {
    const o = this.overrides.get(index);
    if (o !== undefined) return o;
    if (index < this.spec.size) return baseProfile(this.spec, index);
    return null;
  }

  *profiles(from = 0, to = this.indexCount): Generator<Profile> {
    for (let i = from; i < to; i++) {
      const p = this.profile(i);
      if (p) yield p;
    }
  }

  /** The world without its last mutation (the "before" of `deltas()`). */
  parent(): World {
    return new World({ ...this.spec, mutations: this.spec.mutations.slice(0, -1) });
  }

  /** What the last mutation changed, statistic by statistic (in `mode`). */
  deltas(mode: ScanMode = DNS_ONLY): Deltas {
    if (this.spec.mutations.length === 0) throw new Error('the world has no mutation');
    const before = this.parent();
    const last = this.spec.mutations.length - 1;
    const out: Deltas = { added: [], removed: [], changed: [] };
    for (const c of this.changes) {
      if (c.mutation !== last) continue;
      if (c.op === 'add') out.added.push(c.domain);
      else if (c.op === 'remove') out.removed.push(c.domain);
      else {
        const a = domainTruth(before.profile(c.index)!, mode);
        const b = domainTruth(this.profile(c.index)!, mode);
        const keys: Partial<Record<Key, [Verdict | null, Verdict | null]>> = {};
        const all = new Set([...Object.keys(a.verdicts), ...Object.keys(b.verdicts)] as Key[]);
        for (const k of all) {
          const x = counted(a, k) ? (a.verdicts[k] ?? null) : null;
          const y = counted(b, k) ? (b.verdicts[k] ?? null) : null;
          if (x !== y) keys[k] = [x, y];
        }
        out.changed.push({ domain: c.domain, fact: c.fact!, hasMx: [a.hasMx, b.hasMx], keys });
      }
    }
    return out;
  }
}

export interface Deltas {
  added: string[];
  removed: string[];
  /** modified domains: each statistic whose verdict changed, [before, after] (null: not in the key's denominator) */
  changed: {
    domain: string;
    fact: string;
    hasMx: [boolean, boolean];
    keys: Partial<Record<Key, [Verdict | null, Verdict | null]>>;
  }[];
}
