import { defineFindings } from '../../core/finding.ts';

type D = { domain: string };

export const microsoft365Findings = defineFindings('microsoft365', {
  tenant: {
    severity: 'info',
    why: 'The domain is registered in a Microsoft Entra ID (Microsoft 365) tenant; its sign-in and mail settings live there.',
    message: (p: D & { tenantId: string; namespaceType: string }) =>
      `${p.domain} belongs to the Microsoft 365 tenant ${p.tenantId} (${p.namespaceType}).`,
  },
  federated: {
    severity: 'info',
    why: 'Sign-ins for a federated domain are handled by its own identity provider, whose security the tenant depends on.',
    message: (p: D & { url: string }) => `${p.domain} is federated: sign-ins go to ${p.url}.`,
  },
  'mx-elsewhere': {
    severity: 'info',
    why: 'The tenant exists but mail is not delivered to Exchange Online directly (a gateway or another provider receives it).',
    message: (p: D & { mx: string }) =>
      `${p.domain} has a Microsoft 365 tenant, but its MX (${p.mx}) is not Exchange Online (*.mail.protection.outlook.com or *.mx.microsoft).`,
  },
  'mx-without-tenant': {
    severity: 'warning',
    why: 'Exchange Online accepts mail only for domains verified in a tenant; an MX pointing there without a tenant bounces mail or lets another tenant claim it.',
    message: (p: D & { mx: string }) =>
      `The MX of ${p.domain} (${p.mx}) is Exchange Online, but Microsoft knows no tenant for ${p.domain}.`,
    fix: (p: D) =>
      `Verify ${p.domain} in the Microsoft 365 admin centre, or point the MX at the mail host you use.`,
  },
  'autodiscover-missing': {
    severity: 'warning',
    why: 'Without autodiscover.<domain> CNAME autodiscover.outlook.com, Outlook and phones cannot find the Exchange Online mailbox settings.',
    message: (p: D & { target: string }) =>
      `${p.domain} receives mail in Exchange Online, but autodiscover.${p.domain} is ${p.target}.`,
    fix: (p: D) => `Publish autodiscover.${p.domain}. CNAME autodiscover.outlook.com.`,
  },
  'dkim-not-enabled': {
    severity: 'warning',
    why: 'Exchange Online signs with the domain’s own DKIM key only when selector1/selector2 CNAMEs point to the tenant (otherwise it signs as onmicrosoft.com and DMARC alignment fails).',
    message: (p: D) =>
      `${p.domain} receives mail in Exchange Online, but selector1._domainkey / selector2._domainkey are not CNAMEs to *.onmicrosoft.com.`,
    fix: (p: D) =>
      `Publish selector1._domainkey.${p.domain} and selector2._domainkey.${p.domain} as the CNAMEs shown in the Defender portal (DKIM), then enable DKIM signing.`,
  },
  'not-fetched': {
    severity: 'info',
    why: 'Microsoft’s login endpoints could not be asked, so whether a tenant exists is not known.',
    message: (p: D & { reason: string }) =>
      `The Microsoft 365 tenant of ${p.domain} was not looked up: ${p.reason}.`,
  },
});
