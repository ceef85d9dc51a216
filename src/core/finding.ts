/**
 * Findings: an id from a check's catalogue plus the words for a human. The catalogue (one per
 * check, in checks/<id>/findings.ts) holds severity, why and the message/fix templates.
 */
import { flat } from './flat.ts';

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export interface Finding {
  /** `<checkId>.<kebab-slug>`, stable forever once published. */
  readonly id: string;
  readonly check: string;
  readonly severity: Severity;
  /** What is wrong, quoting the value seen. */
  readonly message: string;
  /** Why it matters, in one sentence for a mail admin. */
  readonly why?: string;
  /** The record to publish or the action to take. */
  readonly fix?: string;
  /**
   * The values the message and fix were made from (the catalogue entry's parameters), so that a
   * consumer can show them its own way without parsing the text. Absent when there are none.
   */
  readonly params?: FindingParams;
}

/** A finding's parameters: names and JSON values (strings, numbers, booleans, null, lists). */
export type FindingParams = Readonly<Record<string, unknown>>;

// biome-ignore lint/suspicious/noExplicitAny: parameters differ per finding
type AnyParams = any;

export interface FindingDef<P = AnyParams> {
  readonly severity: Severity;
  readonly why?: string;
  readonly message: (p: P) => string;
  readonly fix?: (p: P) => string;
}

export interface FindingCatalogue<D extends Record<string, FindingDef>> {
  readonly check: string;
  readonly defs: D;
  make<K extends keyof D & string>(slug: K, ...params: Parameters<D[K]['message']>): Finding;
}

// biome-ignore lint/suspicious/noExplicitAny: catalogues of any parameter shapes
type AnyCatalogue = FindingCatalogue<Record<string, FindingDef<any>>>;
const catalogues: AnyCatalogue[] = [];

/** Every catalogue defined so far (all of them once the check registry is imported). */
export function allCatalogues(): readonly AnyCatalogue[] {
  return catalogues;
}

/** Defines a check's finding catalogue; `docs/findings.md` is generated from these. */
export function defineFindings<D extends Record<string, FindingDef>>(
  check: string,
  defs: D,
): FindingCatalogue<D> {
  // the ids made once: one shared string each, not a concatenation per finding made
  const ids = new Map(Object.keys(defs).map((slug) => [slug, flat(`${check}.${slug}`)]));
  const catalogue: FindingCatalogue<D> = {
    check,
    defs,
    make(slug, ...params) {
      const def = defs[slug];
      const id = ids.get(slug);
      if (!def || id === undefined) throw new Error(`unknown finding ${check}.${slug}`);
      const p = params[0] ?? {};
      const f: { -readonly [K in keyof Finding]: Finding[K] } = {
        id,
        check,
        severity: def.severity,
        message: flat(def.message(p)),
      };
      if (def.why) f.why = def.why;
      if (def.fix) f.fix = flat(def.fix(p));
      if (Object.keys(p).length) f.params = { ...p };
      return f;
    },
  };
  catalogues.push(catalogue as unknown as AnyCatalogue);
  return catalogue;
}

/** The fix of a `<check>.undetermined` finding whose cause was a DNS failure. */
export const DNS_FAILURE_FIX =
  'Run the check again later; if it persists, check that the domain’s name servers answer (SERVFAIL and timeouts point to a broken delegation or DNSSEC).';

/**
 * The `<check>.undetermined` finding every check adds when it could not find out. The fix
 * defaults to the advice for a DNS failure; a check whose cause was something else (a web server
 * that timed out, an HTTP 5xx) passes the advice that matches it.
 */
export function undetermined(check: string, reason: string, fix: string = DNS_FAILURE_FIX): Finding {
  return {
    id: flat(`${check}.undetermined`),
    check,
    severity: 'warning',
    message: flat(`Could not determine ${check}: ${reason.replace(/\.+$/, '')}.`),
    why: 'A lookup that failed says nothing about whether the record exists; the result is unknown, not absent.',
    fix,
    params: { reason },
  };
}
