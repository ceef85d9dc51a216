/**
 * The built-in DKIM selectors mailsec tries (besides `--selectors`). DKIM has no discovery: a
 * checker can only guess selector names, so these are the names large mail providers, ESPs and
 * hosting panels publish by default. `docs/` generates its selector table from this list.
 */
export interface KnownSelector {
  readonly selector: string;
  /** who publishes it */
  readonly source: string;
}

export const KNOWN_SELECTORS: readonly KnownSelector[] = [
  { selector: 'selector1', source: 'Microsoft 365 / Exchange Online (CNAME to <tenant>.onmicrosoft.com)' },
  { selector: 'selector2', source: 'Microsoft 365 / Exchange Online (rollover key)' },
  { selector: 'google', source: 'Google Workspace (default selector)' },
  { selector: '20230601', source: 'Google-style dated selector (gmail.com)' },
  { selector: '20221208', source: 'Google-style dated selector (google.com)' },
  { selector: '20210112', source: 'Google-style dated selector (gmail.com, older)' },
  { selector: '20161025', source: 'Google-style dated selector (gmail.com, older)' },
  { selector: '20120113', source: 'Google-style dated selector (gmail.com, legacy)' },
  { selector: 'k1', source: 'Mailchimp / Mandrill (CNAME to dkim.mcsv.net)' },
  { selector: 'k2', source: 'Mailchimp (second key)' },
  { selector: 'k3', source: 'Mailchimp (third key)' },
  { selector: 'mandrill', source: 'Mandrill (Mailchimp Transactional)' },
  { selector: 's1', source: 'SendGrid (CNAME to sendgrid.net)' },
  { selector: 's2', source: 'SendGrid (second key)' },
  { selector: 'smtpapi', source: 'SendGrid (legacy)' },
  { selector: 'mxvault', source: 'hosting-provider default seen in common-selector lists' },
  { selector: 'dkim', source: 'generic default (many hosting panels and MTAs)' },
  { selector: 'default', source: 'cPanel, Plesk, DirectAdmin, rspamd/OpenDKIM examples' },
  { selector: 'mail', source: 'generic default; Brevo (Sendinblue), Yandex 360' },
  { selector: 'smtp', source: 'generic default; Mailgun (older domains)' },
  { selector: 'email', source: 'generic default' },
  { selector: 'key1', source: 'generic default (numbered keys)' },
  { selector: 'key2', source: 'generic default (numbered keys)' },
  { selector: 'zoho', source: 'Zoho Mail' },
  { selector: 'zmail', source: 'Zoho Mail (alternative default)' },
  { selector: 'protonmail', source: 'Proton Mail (CNAME to protonmail.ch)' },
  { selector: 'protonmail2', source: 'Proton Mail (second key)' },
  { selector: 'protonmail3', source: 'Proton Mail (third key)' },
  { selector: 'fm1', source: 'Fastmail (CNAME to messagingengine.com)' },
  { selector: 'fm2', source: 'Fastmail (second key)' },
  { selector: 'fm3', source: 'Fastmail (third key)' },
  { selector: 'everlytickey1', source: 'Everlytic' },
  { selector: 'everlytickey2', source: 'Everlytic (second key)' },
  { selector: 'mailjet', source: 'Mailjet' },
  { selector: 'sig1', source: 'Apple iCloud Mail custom domains' },
  { selector: 'amazonses', source: 'Amazon SES (legacy TXT verification style)' },
  { selector: 'mailo', source: 'Mailgun' },
  { selector: 'krs', source: 'Mailgun' },
  { selector: 'mg', source: 'Mailgun (common custom choice)' },
  { selector: 'cm', source: 'Campaign Monitor' },
  { selector: 'ctct1', source: 'Constant Contact' },
  { selector: 'ctct2', source: 'Constant Contact (second key)' },
  { selector: 'zendesk1', source: 'Zendesk' },
  { selector: 'zendesk2', source: 'Zendesk (second key)' },
  { selector: 'ml', source: 'MailerLite' },
  { selector: 'litesrv', source: 'MailerLite (classic)' },
  { selector: 'resend', source: 'Resend' },
  { selector: 'turbo-smtp', source: 'turboSMTP' },
];

/**
 * The short list a scan tries (`dkim.selectorList: "short"`): the defaults of the providers and
 * panels that carry most domains — Microsoft 365 (selector1/2, also what the microsoft365 check
 * reads), Google Workspace, the hosting panels (default, dkim, mail), Mailchimp and SendGrid —
 * 8 queries wherever `_domainkey` exists instead of 48. `--selectors` extends it; `mailsec check
 * --selector-list short` asks exactly the same names, so it reproduces a scan's DKIM result.
 */
export const SHORT_SELECTORS: readonly string[] = [
  'selector1',
  'selector2',
  'google',
  'default',
  'dkim',
  'mail',
  'k1',
  's1',
];

/** The built-in selectors of a list. */
export function builtInSelectors(list: 'short' | 'full'): readonly string[] {
  return list === 'short' ? SHORT_SELECTORS : KNOWN_SELECTORS.map((k) => k.selector);
}

/** Built-in selectors (or `builtIn`) followed by the user's, without duplicates, lower case. */
export function selectorsToTry(
  extra: readonly string[],
  builtIn: readonly string[] = KNOWN_SELECTORS.map((k) => k.selector),
): string[] {
  const out: string[] = [];
  for (const s of [...builtIn, ...extra]) {
    const name = s.trim().toLowerCase();
    if (name !== '' && !out.includes(name)) out.push(name);
  }
  return out;
}
