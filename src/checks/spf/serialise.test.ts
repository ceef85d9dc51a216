import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpf } from './parse.ts';
import { SPF_SENDS_NOTHING, type SpfSpec, serialiseSpf, spfSpecOf, spfTerm } from './serialise.ts';

const m = (
  name: 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists',
  extra: Partial<{
    qualifier: '+' | '-' | '~' | '?';
    domainSpec: string;
    network: string;
    cidr4: number;
    cidr6: number;
  }> = {},
) => ({ kind: 'mechanism' as const, qualifier: extra.qualifier ?? ('+' as const), name, ...extra });

// RFC 7208 §5 and Appendix A examples, as specs; each must survive parse(serialise(x)) unchanged
const cases: [string, SpfSpec, string][] = [
  ['§10.1.2 a domain that sends nothing', { terms: [m('all', { qualifier: '-' })] }, 'v=spf1 -all'],
  ['A.1 mx', { terms: [m('mx'), m('all', { qualifier: '-' })] }, 'v=spf1 mx -all'],
  [
    'A.1 mx with a target and CIDR',
    { terms: [m('mx', { domainSpec: 'example.org', cidr4: 30 }), m('all', { qualifier: '-' })] },
    'v=spf1 mx:example.org/30 -all',
  ],
  [
    'A.1 a with dual CIDR',
    { terms: [m('a', { cidr4: 24, cidr6: 64 }), m('all', { qualifier: '~' })] },
    'v=spf1 a/24//64 ~all',
  ],
  [
    'ip4 and ip6 networks',
    {
      terms: [
        m('ip4', { network: '192.0.2.0', cidr4: 24 }),
        m('ip4', { network: '198.51.100.7' }),
        m('ip6', { network: '2001:db8::', cidr6: 32 }),
        m('all', { qualifier: '-' }),
      ],
    },
    'v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 ip6:2001:db8::/32 -all',
  ],
  [
    'include, exists with a macro, qualifiers',
    {
      terms: [
        m('include', { domainSpec: '_spf.example.net' }),
        m('exists', { domainSpec: '%{i}._spf.example.org', qualifier: '?' }),
        m('ptr', { qualifier: '-' }),
        m('all', { qualifier: '~' }),
      ],
    },
    'v=spf1 include:_spf.example.net ?exists:%{i}._spf.example.org -ptr ~all',
  ],
  [
    'redirect and exp modifiers',
    {
      terms: [
        { kind: 'modifier', name: 'redirect', value: '_spf.example.com' },
        { kind: 'modifier', name: 'exp', value: 'explain._spf.%{d}' },
      ],
    },
    'v=spf1 redirect=_spf.example.com exp=explain._spf.%{d}',
  ],
];

for (const [title, spec, text] of cases) {
  test(`spf serialise: ${title}`, () => {
    assert.equal(serialiseSpf(spec), text);
    const parsed = parseSpf(serialiseSpf(spec));
    assert.equal(parsed.ok, true, JSON.stringify(parsed.problems));
    assert.deepEqual(spfSpecOf(parsed.record), spec);
  });
}

test('spf serialise: the shorthands build what they say', () => {
  assert.equal(
    serialiseSpf({
      terms: [
        spfTerm.ip('192.0.2.0/24'),
        spfTerm.ip('2001:db8::1'),
        spfTerm.include('x.test'),
        spfTerm.all('-'),
      ],
    }),
    'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::1 include:x.test -all',
  );
  assert.equal(SPF_SENDS_NOTHING, 'v=spf1 -all');
});
