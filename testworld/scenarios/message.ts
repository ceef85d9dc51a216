/**
 * Message analysis (issue 13): the DNS that `mailsec message` verifies signed messages against.
 * The tests sign and ARC-seal their messages themselves (mailauth's signer) with the fixed keys of
 * testworld/message/keys.ts; the public halves are published here. Nothing connects to any host
 * of this scenario: SPF networks are documentation ranges (192.0.2.0/24), only ever compared.
 *
 * | domain               | what                                                                      |
 * |----------------------|---------------------------------------------------------------------------|
 * | msg-sender.test      | the author: SPF ip4:192.0.2.10 -all, DMARC p=reject, DKIM rsa2048, rsa1024, ed25519, revoked (empty p=); no `gone` selector (NXDOMAIN); news.msg-sender.test is a subdomain sender without its own DMARC record |
 * | msg-split.test       | DMARC p=reject; sp=none: shop.msg-split.test falls under sp=none          |
 * | msg-esp.test         | a third-party sender (ESP): SPF ip4:192.0.2.20, DKIM selector esp, DMARC p=none |
 * | msg-nodmarc.test     | no DMARC record, SPF ~all (the seed's compauth=fail reason=001 case)      |
 * | msg-list.test        | a mailing list / forwarder that ARC-seals (selector arc), SPF ip4:192.0.2.30 |
 * | msg-rogue.test       | an ARC sealer nobody trusts (selector arc)                                |
 */
import { KEY_ED25519, KEY_ESP, KEY_ROGUE, KEY_RSA1024, KEY_RSA2048, KEY_SEALER } from '../message/keys.ts';
import type { Scenario } from '../scenario.ts';
import { txt } from './records.ts';

const rsa = (p: string) => txt(`v=DKIM1; k=rsa; p=${p}`);

/** Addresses the message tests use as SMTP clients (never connected to). */
export const MESSAGE_IPS = {
  sender: '192.0.2.10',
  news: '192.0.2.11',
  split: '192.0.2.12',
  esp: '192.0.2.20',
  list: '192.0.2.30',
  nodmarc: '192.0.2.40',
  stranger: '198.51.100.7',
} as const;

export const message: Scenario = {
  name: 'message',
  description:
    'DKIM keys (RSA 1024/2048, Ed25519, revoked), DMARC policies (reject, sp=none, none, absent) and ARC sealers for mailsec message',
  domains: [
    {
      name: 'msg-sender.test',
      description: 'author domain: SPF -all, DMARC p=reject, DKIM keys of three kinds and a revoked one',
      records: [
        ['@', 'TXT', txt(`v=spf1 ip4:${MESSAGE_IPS.sender} -all`)],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; rua=mailto:dmarc@msg-sender.test')],
        ['rsa2048._domainkey', 'TXT', rsa(KEY_RSA2048.publicKey)],
        ['rsa1024._domainkey', 'TXT', rsa(KEY_RSA1024.publicKey)],
        ['ed25519._domainkey', 'TXT', txt(`v=DKIM1; k=ed25519; p=${KEY_ED25519.publicKey}`)],
        ['revoked._domainkey', 'TXT', txt('v=DKIM1; k=rsa; p=')],
        ['news', 'A', '192.0.2.11'],
        ['news', 'TXT', txt(`v=spf1 ip4:${MESSAGE_IPS.news} -all`)],
      ],
    },
    {
      name: 'msg-split.test',
      description: 'DMARC p=reject; sp=none: subdomains fall under none',
      records: [
        ['@', 'TXT', txt(`v=spf1 ip4:${MESSAGE_IPS.split} -all`)],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=reject; sp=none')],
        ['shop', 'A', '192.0.2.12'],
        ['shop', 'TXT', txt(`v=spf1 ip4:${MESSAGE_IPS.split} -all`)],
      ],
    },
    {
      name: 'msg-esp.test',
      description: 'third-party sender: own SPF and DKIM key',
      records: [
        ['@', 'TXT', txt(`v=spf1 ip4:${MESSAGE_IPS.esp} -all`)],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=none')],
        ['esp._domainkey', 'TXT', rsa(KEY_ESP.publicKey)],
      ],
    },
    {
      name: 'msg-nodmarc.test',
      description: 'no DMARC record',
      records: [['@', 'TXT', txt(`v=spf1 ip4:${MESSAGE_IPS.nodmarc} ~all`)]],
    },
    {
      name: 'msg-list.test',
      description: 'mailing list / forwarder that ARC-seals',
      records: [
        ['@', 'TXT', txt(`v=spf1 ip4:${MESSAGE_IPS.list} -all`)],
        ['_dmarc', 'TXT', txt('v=DMARC1; p=none')],
        ['arc._domainkey', 'TXT', rsa(KEY_SEALER.publicKey)],
      ],
    },
    {
      name: 'msg-rogue.test',
      description: 'an ARC sealer that is not trusted',
      records: [
        ['@', 'TXT', txt('v=spf1 -all')],
        ['arc._domainkey', 'TXT', rsa(KEY_ROGUE.publicKey)],
      ],
    },
  ],
};
