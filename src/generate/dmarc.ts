/**
 * `mailsec generate dmarc`: the DMARC record (RFC 9989 §4.7) and the staged rollout in RFC 9989
 * terms (`pct` is gone; `t=y` asks receivers to apply one step less):
 *
 *   1 p=none + rua  →  2 p=quarantine; t=y  →  3 p=quarantine  →  4 p=reject; t=y  →  5 p=reject
 *
 * Each step needs a share of messages passing DMARC in the aggregate reports (`--reports DB`);
 * mailsec moves one step at a time and only when the reports show the step is safe. Pure.
 */
import { pslOrgDomain } from '../checks/dmarc/discovery.ts';
import { type DmarcPolicy, type DmarcRecord, parseDmarc, parseReportUri } from '../checks/dmarc/parse.ts';
import {
  DMARC_AUTHORISATION_RECORD,
  type DmarcSpec,
  defaultDmarcRua,
  dmarcAuthorisationName,
  dmarcName,
  dmarcSpecOf,
  serialiseDmarc,
} from '../checks/dmarc/serialise.ts';
import type { Problem } from '../core/parsed.ts';
import { recordText } from '../protocol/presentation.ts';
import { changeOf, record, refusal } from './records.ts';
import type {
  GeneratedRecord,
  GenerateInput,
  GeneratorDef,
  PlanStep,
  Proposal,
  ReportEvidence,
} from './types.ts';

export interface DmarcOptions {
  /** p= asked for; absent: the step the evidence supports */
  readonly policy?: DmarcPolicy;
  readonly testing?: boolean;
  readonly sp?: DmarcPolicy;
  readonly np?: DmarcPolicy;
  readonly adkim?: 'r' | 's';
  readonly aspf?: 'r' | 's';
  readonly fo?: readonly string[];
  readonly rua: readonly string[];
  readonly ruf: readonly string[];
  /** print the whole rollout */
  readonly plan: boolean;
}

interface Stage {
  readonly p: DmarcPolicy;
  readonly testing: boolean;
  readonly title: string;
  readonly action: string;
  /** DMARC pass share (percent) the reports must show before this stage; null for the first */
  readonly requires: number | null;
}

/** Report days each step needs at least: two weeks catch the weekly senders. */
export const PLAN_DAYS = 14;

/** The rollout. The figures are mailsec's (documented in docs/generate.md), not the RFC's. */
export const STAGES: readonly Stage[] = [
  {
    p: 'none',
    testing: false,
    title: 'monitor',
    action:
      'Publish p=none with rua and read the aggregate reports: they show every server that sends as the domain.',
    requires: null,
  },
  {
    p: 'quarantine',
    testing: true,
    title: 'quarantine in test mode',
    action:
      'p=quarantine with t=y: receivers still apply none (RFC 9989 §4.7) but see where the policy is going; fix every legitimate source the reports show failing.',
    requires: 95,
  },
  {
    p: 'quarantine',
    testing: false,
    title: 'quarantine',
    action: 'Failing mail goes to spam folders. Watch the reports for legitimate sources that still fail.',
    requires: 98,
  },
  {
    p: 'reject',
    testing: true,
    title: 'reject in test mode',
    action: 'p=reject with t=y: receivers apply quarantine; a last check before failing mail is refused.',
    requires: 98,
  },
  {
    p: 'reject',
    testing: false,
    title: 'reject',
    action: 'Receivers refuse mail that fails DMARC: spoofing the domain stops working.',
    requires: 99,
  },
];

export const stageOf = (p: DmarcPolicy, testing: boolean): number =>
  STAGES.findIndex((s) => s.p === p && s.testing === (p === 'none' ? false : testing));

/** The DMARC pass share that decides a step: over the sources that are not unauthorised, when classified. */
export function compliance(
  r: ReportEvidence | undefined,
): { dmarcPass: number | null; messages: number } | null {
  if (!r) return null;
  if (r.sources?.length) {
    const counted = r.sources.filter((s) => s.class !== 'unauthorised');
    const messages = counted.reduce((n, s) => n + s.messages, 0);
    const pass = counted.reduce((n, s) => n + s.dmarcPass, 0);
    return { dmarcPass: messages ? Math.round((pass / messages) * 1000) / 10 : null, messages };
  }
  return { dmarcPass: r.dmarcPass, messages: r.messages };
}

/** Notes (and warnings) for report addresses outside the domain: they need an authorisation record. */
export function externalRuaNotes(domain: string, rua: readonly string[], warnings: string[]): string[] {
  const notes: string[] = [];
  const org = pslOrgDomain(domain);
  for (const uri of rua) {
    const host = parseReportUri(uri, 0, [])?.host;
    if (!host) continue;
    if (pslOrgDomain(host) === org) continue;
    warnings.push(
      `${uri} is outside ${org}: receivers send reports there only when ${host} publishes ${recordText(dmarcAuthorisationName(domain, host), 'TXT', DMARC_AUTHORISATION_RECORD)} (RFC 9990 §3.2.3); ask its operator.`,
    );
  }
  return notes;
}

function propose(input: GenerateInput<DmarcOptions>): Proposal {
  const { domain, live, options: o } = input;
  const notes: string[] = [];
  const warnings: string[] = [];
  const ev = live?.results.dmarc?.evidence;
  // the record published for this very name (not one inherited from the organisational domain)
  const own = ev && ev.policyDomain === domain ? ev.record : null;
  let base: DmarcRecord | null = null;
  let problems: Problem[] = [];
  if (own) {
    const parsed = parseDmarc(own);
    if (parsed.ok) {
      base = parsed.value;
      problems = parsed.problems;
    }
  }
  if (live && !own && ev?.records && ev.records.length > 1 && ev.policyDomain === domain)
    notes.push(`${dmarcName(domain)} holds ${ev.records.length} DMARC records: publish only this one.`);
  if (live && !own && ev?.policyDomain && ev.policyDomain !== domain)
    notes.push(
      `${domain} has no record of its own; the one at ${dmarcName(ev.policyDomain)} applies now. A record at ${dmarcName(domain)} takes precedence for ${domain}.`,
    );
  const spec = base ? dmarcSpecOf(base) : null;
  if (base && problems.some((p) => p.code === 'removed-tag'))
    notes.push('Dropped pct/rf/ri: RFC 9989 removed them (t=y replaces pct=0).');
  if (live && !base && (live.results.dmarc?.findings ?? []).some((f) => f.id === 'dmarc.version-invalid'))
    notes.push(
      `The TXT record at ${dmarcName(domain)} that does not begin with "v=DMARC1" is ignored by receivers: replace it with this one.`,
    );
  const current = base?.p ? stageOf(base.p, base.testing) : live ? -1 : null;
  const figure = compliance(live?.reports);
  const enoughDays = (live?.reports?.days ?? 0) >= PLAN_DAYS;
  // a subdomain that inherits an enforcing policy needs no record; one of p=none would weaken it
  const inherited =
    !base && ev?.policyDomain && ev.policyDomain !== domain && ev.effectivePolicy
      ? stageOf(ev.effectivePolicy, false)
      : -1;
  if (inherited > 0 && !o.policy)
    return {
      records: [],
      files: [],
      notes: [
        ...notes,
        `No record needed: ${domain} inherits p=${ev!.effectivePolicy} from ${dmarcName(ev!.policyDomain!)}. A record of its own would replace that policy for ${domain}; raise it there (mailsec generate dmarc --for ${ev!.policyDomain}).`,
      ],
      warnings,
      refused: null,
    };

  // where to go: the asked policy, else one step further when the reports allow it, else stay
  let target: number;
  if (o.policy) {
    target = stageOf(o.policy, o.testing ?? false);
  } else if (current === null || current < 0) {
    target = 0;
  } else {
    target = current;
    const next = STAGES[current + 1];
    if (next && figure?.dmarcPass != null && figure.dmarcPass >= (next.requires ?? 0) && enoughDays)
      target = current + 1;
  }
  const stage = STAGES[target]!;
  const currentStage = current !== null && current >= 0 ? current : -1;
  if (live && target > currentStage && stage.requires !== null) {
    const seen = figure?.dmarcPass;
    const ok = seen != null && seen >= stage.requires && enoughDays;
    if (!ok && !input.options.force) {
      return refusal(
        `Moving ${domain} to p=${stage.p}${stage.testing ? '; t=y' : ''} needs aggregate reports showing at least ${stage.requires}% of messages passing DMARC over ${PLAN_DAYS} days${figure ? `; the reports show ${seen ?? '–'}% of ${figure.messages} messages over ${live.reports?.days ?? 0} days` : '; no reports were given (--reports DB)'}. A stricter policy without that evidence can lose legitimate mail.`,
        `Import the reports (mailsec reports import … --db DB) and pass --reports DB, publish the next step of mailsec generate dmarc --plan, or pass --force.`,
      );
    }
    if (!ok) warnings.push(`--force: p=${stage.p} without reports that show it is safe.`);
  }
  if (!live && stage.p !== 'none')
    warnings.push(
      'Generated from options alone: nothing shows that your legitimate mail passes DMARC. Check the reports before publishing (--for D --reports DB).',
    );

  // rua: asked, else kept, else the default (a mailbox that must exist)
  if (inherited > target)
    warnings.push(
      `p=${stage.p} here is weaker than the p=${ev!.effectivePolicy} ${domain} inherits from ${dmarcName(ev!.policyDomain!)} now.`,
    );
  let rua = [...o.rua];
  const liveRua = spec?.rua ?? base?.rua.map((u) => u.uri) ?? [];
  if (!rua.length && liveRua.length) {
    rua = [...liveRua];
    notes.push(`rua: kept the report addresses published now (${rua.join(', ')}).`);
  } else if (!rua.length) {
    rua = [defaultDmarcRua(domain)];
    warnings.push(
      `rua=${rua[0]} is mailsec's default: create that mailbox (or pass --rua) before publishing, or the reports are lost.`,
    );
  }
  externalRuaNotes(domain, rua, warnings);
  const build = (s: Stage): DmarcSpec => ({
    ...(spec ?? {}),
    p: s.p,
    testing: s.testing,
    ...(o.sp ? { sp: o.sp } : {}),
    ...(o.np ? { np: o.np } : {}),
    ...(o.adkim ? { adkim: o.adkim } : {}),
    ...(o.aspf ? { aspf: o.aspf } : {}),
    ...(o.fo ? { fo: o.fo } : {}),
    rua,
    ...(o.ruf.length ? { ruf: o.ruf } : {}),
  });
  const published = live ? (ev?.policyDomain === domain ? [...(ev.records ?? [])] : []) : null;
  const ttl = input.options.ttl;
  const recordOf = (s: Stage): GeneratedRecord => {
    const value = serialiseDmarc(build(s));
    return record(dmarcName(domain), 'TXT', value, ttl, changeOf(value, published));
  };

  notes.push(
    `p=${stage.p}${stage.testing ? '; t=y' : ''} (step ${target + 1} of ${STAGES.length}, ${stage.title}): ${stage.action}`,
  );
  if (stage.p === 'none')
    notes.push(
      'p=none keeps the documented warning dmarc.policy-none: it protects nothing until the next steps.',
    );
  if (currentStage >= 0 && target === currentStage && !o.policy) {
    const next = STAGES[target + 1];
    if (next)
      notes.push(
        figure
          ? `The next step (p=${next.p}${next.testing ? '; t=y' : ''}) needs ${next.requires}% passing DMARC; the reports show ${figure.dmarcPass ?? '–'}% of ${figure.messages} messages.`
          : `The next step (p=${next.p}${next.testing ? '; t=y' : ''}) needs reports: pass --reports DB to see whether it is safe.`,
      );
  }
  const plan: PlanStep[] | undefined = o.plan
    ? STAGES.map((s, i) => ({
        step: i + 1,
        title: `p=${s.p}${s.testing ? '; t=y' : ''}: ${s.title}`,
        action: s.action,
        records: [recordOf(s)],
        requires: s.requires === null ? null : { dmarcPass: s.requires, days: PLAN_DAYS },
        observed: figure,
        ready:
          s.requires === null
            ? true
            : figure?.dmarcPass == null
              ? null
              : figure.dmarcPass >= s.requires && enoughDays,
        current: i === currentStage,
      }))
    : undefined;
  return {
    records: [recordOf(stage)],
    files: [],
    notes,
    warnings,
    refused: null,
    ...(plan ? { plan } : {}),
    details: {
      stage: target + 1,
      currentStage: currentStage >= 0 ? currentStage + 1 : null,
      ...(figure ? { compliance: figure } : {}),
    },
  };
}

export const dmarcGenerator: GeneratorDef<DmarcOptions> = {
  kind: 'dmarc',
  live: ['dmarc'],
  sections: ['dmarc'],
  expected: () => ['dmarc.policy-none', 'dmarc.testing'],
  propose,
};
