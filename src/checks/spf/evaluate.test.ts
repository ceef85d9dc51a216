import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staticResolver } from '../../dns/static.ts';
import { checkHostFor, spfIdentity } from './evaluate.ts';

const identities: [
  title: string,
  input: { domain?: string; sender?: string; helo?: string },
  want: object,
][] = [
  [
    '7208 §2.4 domain from the sender',
    { sender: 'alice@example.com', helo: 'mx.example.net' },
    { domain: 'example.com', sender: 'alice@example.com' },
  ],
  [
    '7208 §2.3 empty sender: the HELO name, postmaster@helo',
    { sender: '', helo: 'mx.example.net' },
    { domain: 'mx.example.net', sender: 'postmaster@mx.example.net' },
  ],
  [
    '7208 §4.3 sender without local part gets postmaster',
    { sender: '@example.com' },
    { domain: 'example.com', sender: 'postmaster@example.com' },
  ],
  [
    '7208 §4.3 a bare domain as sender',
    { sender: 'example.com' },
    { domain: 'example.com', sender: 'postmaster@example.com' },
  ],
  [
    'an explicit domain wins',
    { domain: 'other.example', sender: 'alice@example.com' },
    { domain: 'other.example', sender: 'alice@example.com' },
  ],
];
for (const [title, input, want] of identities) test(title, () => assert.deepEqual(spfIdentity(input), want));

const zone = staticResolver({
  'example.com': {
    TXT: ['v=spf1 mx include:_spf.example.net ~all'],
    MX: [{ preference: 10, exchange: 'mx.example.com' }],
  },
  'mx.example.com': { A: ['192.0.2.10'] },
  '_spf.example.net': { TXT: ['v=spf1 ip6:2001:db8::/32 -all'] },
  'slow.example': { TXT: 'TIMEOUT' },
  'broken.example': { TXT: ['v=spf1 include:slow.example -all'] },
});

const results: [title: string, ip: string, sender: string, want: string, lookups: number][] = [
  ['7208 §5.4 mx match', '192.0.2.10', 'a@example.com', 'pass', 1],
  ['7208 §5.2 include pass matches', '2001:db8::5', 'a@example.com', 'pass', 2],
  ['7208 §5.1 ~all', '198.51.100.1', 'a@example.com', 'softfail', 2],
  ['7208 §4.3 invalid domain → none', '198.51.100.1', 'a@nodots', 'none', 0],
  ['7208 §4.4 no record → none', '198.51.100.1', 'a@nothing.example', 'none', 0],
  ['7208 §5.2 include temperror propagates', '198.51.100.1', 'a@broken.example', 'temperror', 1],
];
for (const [title, ip, sender, want, lookups] of results) {
  test(title, async () => {
    const r = await checkHostFor({ ip, sender }, { resolver: zone });
    assert.equal(r.result, want, r.reason);
    assert.equal(r.lookups, lookups);
  });
}
