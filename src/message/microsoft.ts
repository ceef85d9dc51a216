/**
 * Microsoft 365 / Exchange Online Protection headers, as Microsoft documents them ("Anti-spam
 * message headers in Microsoft 365", "Authentication-Results message header fields"): composite
 * authentication (`compauth=… reason=…`), X-Forefront-Antispam-Report and X-Microsoft-Antispam.
 * Pure. Codes Microsoft does not document are shown as written and said to be undocumented.
 */

export interface Compauth {
  readonly result: string;
  readonly reason: string | null;
  readonly meaning: string;
}

/** compauth reason codes (documented; the last two digits of 1xx–9xx are Microsoft-internal). */
export function compauthMeaning(result: string, reason: string | null): string {
  const r = reason ?? '';
  const exact: Record<string, string> = {
    '000':
      'the message explicitly failed DMARC: the sender domain publishes p=reject or p=quarantine and the message failed it',
    '001':
      'the message implicitly failed email authentication: the sender domain publishes no authentication records, or only weak ones (SPF softfail or neutral, DMARC p=none), and nothing aligned with the From domain passed',
    '002':
      'the organisation has a policy that explicitly forbids this sender/domain pair from sending spoofed mail (set by an admin)',
    '010':
      'the message failed DMARC with p=reject or p=quarantine, and the sender domain is one of the organisation’s accepted domains (self-to-self or intra-org spoofing)',
    '011':
      'the message failed email authentication, and the sender domain is one of the organisation’s accepted domains (self-to-self or intra-org spoofing)',
    '130':
      'the ARC result of a trusted ARC sealer overrode an SPF, DKIM or DMARC failure (Microsoft’s trusted ARC sealers)',
  };
  if (exact[r]) return exact[r]!;
  const c = r[0];
  if (r.length === 3 && (c === '1' || c === '7'))
    return 'the message passed composite authentication (the last two digits are Microsoft-internal)';
  if (r.length === 3 && c === '2')
    return 'the message soft-passed implicit authentication (the last two digits are Microsoft-internal)';
  if (r.length === 3 && c === '3') return 'the message was not checked for composite authentication';
  if (r.length === 3 && (c === '4' || c === '9'))
    return 'the message bypassed composite authentication (e.g. an allow entry or a connector; the last two digits are Microsoft-internal)';
  if (r.length === 3 && c === '6')
    return 'the message failed implicit email authentication and the sender domain is one of the organisation’s accepted domains';
  const byResult: Record<string, string> = {
    pass: 'the message passed composite authentication',
    fail: 'the message failed composite authentication: Microsoft treats it as spoofed',
    softpass: 'the message soft-passed composite authentication',
    none: 'composite authentication was not applied',
  };
  return `${byResult[result] ?? `compauth=${result}`}${reason ? ` (reason ${reason} is not documented)` : ''}`;
}

const SFV: Record<string, string> = {
  BLK: 'filtering was skipped and the message blocked: the sender is on the recipient’s Blocked Senders list',
  NSPM: 'spam filtering marked the message as not spam',
  SFE: 'filtering was skipped: the sender is on the recipient’s Safe Senders list',
  SKA: 'filtering was skipped: the sender is on an allow list of the anti-spam policy',
  SKB: 'marked as spam: the sender matched a block list of the anti-spam policy',
  SKI: 'filtering was skipped for another reason (e.g. an intra-organisation message)',
  SKN: 'marked as not spam before spam filtering (e.g. by a mail flow rule)',
  SKQ: 'the message was released from quarantine',
  SKS: 'marked as spam before spam filtering (e.g. by a mail flow rule)',
  SPM: 'spam filtering marked the message as spam',
};

const CAT: Record<string, string> = {
  AMP: 'anti-malware',
  BIMP: 'brand impersonation',
  BULK: 'bulk',
  DIMP: 'domain impersonation',
  FTBP: 'anti-malware common attachments filter',
  GIMP: 'mailbox intelligence impersonation',
  HPHSH: 'high confidence phishing',
  HPHISH: 'high confidence phishing',
  HSPM: 'high confidence spam',
  INTOS: 'intra-organisation phishing',
  MALW: 'malware',
  OSPM: 'outbound spam',
  PHSH: 'phishing',
  SAP: 'Safe Attachments',
  SPM: 'spam',
  SPOOF: 'spoofing',
  UIMP: 'user impersonation',
  NONE: 'no protection policy applied',
};

const DIR: Record<string, string> = {
  INB: 'inbound',
  OUT: 'outbound',
  INT: 'internal (intra-organisation)',
};

export function sclMeaning(scl: number): string {
  if (scl === -1)
    return 'filtering was skipped (e.g. a safe sender or a mail flow rule): delivered to the Inbox';
  if (scl === 0 || scl === 1) return 'not spam: delivered to the Inbox';
  if (scl === 5 || scl === 6) return 'spam: the Junk Email folder (or the policy’s spam action)';
  if (scl === 8 || scl === 9) return 'high confidence spam: the policy’s high confidence spam action';
  return 'a level Microsoft does not use';
}

export function bclMeaning(bcl: number): string {
  if (bcl === 0) return 'not from a bulk sender';
  if (bcl >= 1 && bcl <= 3) return 'from a bulk sender that generates few complaints';
  if (bcl >= 4 && bcl <= 7) return 'from a bulk sender that generates a mixed number of complaints';
  if (bcl >= 8 && bcl <= 9) return 'from a bulk sender that generates many complaints';
  return 'not a documented level';
}

export interface MicrosoftField {
  readonly name: string;
  readonly value: string;
  readonly meaning: string | null;
}

export interface MicrosoftReport {
  readonly compauth: Compauth | null;
  /** the connecting IP EOP saw (CIP) */
  readonly cip: string | null;
  readonly ctry: string | null;
  readonly helo: string | null;
  readonly ptr: string | null;
  readonly ipv: string | null;
  readonly sfv: string | null;
  readonly scl: number | null;
  readonly cat: string | null;
  readonly dir: string | null;
  readonly lang: string | null;
  readonly bcl: number | null;
  readonly pcl: number | null;
  /** every field of X-Forefront-Antispam-Report and X-Microsoft-Antispam, with what it means */
  readonly fields: readonly MicrosoftField[];
  /** plain sentences, one per notable field */
  readonly explanation: readonly string[];
}

/** `KEY:value;KEY:value` (X-Forefront-Antispam-Report, X-Microsoft-Antispam). */
export function parseColonList(value: string): { name: string; value: string }[] {
  return value
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const c = p.indexOf(':');
      return c < 0 ? { name: p, value: '' } : { name: p.slice(0, c).trim(), value: p.slice(c + 1).trim() };
    });
}

function fieldMeaning(name: string, value: string): string | null {
  switch (name.toUpperCase()) {
    case 'CIP':
      return `the connecting IP address: ${value}`;
    case 'CTRY':
      return `the country/region of the connecting IP: ${value}`;
    case 'H':
      return `the HELO/EHLO name of the connecting server: ${value}`;
    case 'PTR':
      return `the PTR record of the connecting IP: ${value}`;
    case 'LANG':
      return `the language of the message: ${value}`;
    case 'IPV':
      return value === 'CAL'
        ? 'the connecting IP is on an IP Allow List (connection filter)'
        : value === 'NLI'
          ? 'the connecting IP was not found on any IP reputation list'
          : `IP reputation verdict ${value} (not documented)`;
    case 'SFV':
      return SFV[value.toUpperCase()] ?? `spam filtering verdict ${value} (not documented)`;
    case 'SCL': {
      const n = Number(value);
      return Number.isInteger(n) ? `spam confidence level ${n}: ${sclMeaning(n)}` : null;
    }
    case 'CAT':
      return `protection policy category applied: ${CAT[value.toUpperCase()] ?? `${value} (not documented)`}`;
    case 'DIR':
      return `direction: ${DIR[value.toUpperCase()] ?? value}`;
    case 'SRV':
      return value.toUpperCase() === 'BULK'
        ? 'identified as bulk mail by spam filtering and the BCL threshold'
        : null;
    case 'SFTY':
      return value.startsWith('9.19')
        ? 'domain impersonation (safety tip 9.19)'
        : value.startsWith('9.20')
          ? 'user impersonation (safety tip 9.20)'
          : `phishing/safety tip ${value}`;
    case 'BCL': {
      const n = Number(value);
      return Number.isInteger(n) ? `bulk complaint level ${n}: ${bclMeaning(n)}` : null;
    }
    case 'PCL': {
      const n = Number(value);
      return Number.isInteger(n)
        ? `phishing confidence level ${n} (deprecated): ${n <= 3 ? 'not phishing' : 'phishing'}`
        : null;
    }
    case 'SFS':
    case 'RULEID':
      return 'identifiers of the spam filter rules that matched (not documented individually)';
    case 'SFP':
      return null;
    default:
      return null;
  }
}

/**
 * The Microsoft view of a message: compauth from the topmost Microsoft Authentication-Results
 * (given), and the X-Forefront-Antispam-Report / X-Microsoft-Antispam fields. Null when the message
 * has none of them.
 */
export function microsoftReport(input: {
  compauth: { result: string; reason: string | null } | null;
  forefront: string | null;
  antispam: string | null;
}): MicrosoftReport | null {
  if (!input.compauth && input.forefront === null && input.antispam === null) return null;
  const fields: MicrosoftField[] = [];
  for (const src of [input.forefront, input.antispam]) {
    if (src === null) continue;
    for (const f of parseColonList(src)) fields.push({ ...f, meaning: fieldMeaning(f.name, f.value) });
  }
  const get = (n: string) => fields.find((f) => f.name.toUpperCase() === n)?.value ?? null;
  const num = (n: string) => {
    const v = get(n);
    return v !== null && /^-?\d+$/.test(v) ? Number(v) : null;
  };
  const compauth = input.compauth
    ? {
        result: input.compauth.result,
        reason: input.compauth.reason,
        meaning: compauthMeaning(input.compauth.result, input.compauth.reason),
      }
    : null;
  const explanation: string[] = [];
  if (compauth)
    explanation.push(
      `Composite authentication: compauth=${compauth.result}${compauth.reason ? ` reason=${compauth.reason}` : ''}: ${compauth.meaning}.`,
    );
  for (const name of [
    'CIP',
    'H',
    'PTR',
    'CTRY',
    'IPV',
    'SFV',
    'SCL',
    'CAT',
    'SRV',
    'SFTY',
    'BCL',
    'PCL',
    'DIR',
  ]) {
    const f = fields.find((x) => x.name.toUpperCase() === name);
    if (f?.meaning) explanation.push(`${f.name}:${f.value}: ${f.meaning}.`);
  }
  return {
    compauth,
    cip: get('CIP')?.replace(/^\[|\]$/g, '') ?? null,
    ctry: get('CTRY'),
    helo: get('H'),
    ptr: get('PTR'),
    ipv: get('IPV'),
    sfv: get('SFV'),
    scl: num('SCL'),
    cat: get('CAT'),
    dir: get('DIR'),
    lang: get('LANG'),
    bcl: num('BCL'),
    pcl: num('PCL'),
    fields,
    explanation,
  };
}
