/**
 * Publishing `mailsec generate` output into a testworld scenario, as an administrator would into
 * a zone: each record replaces, at its name, the records of its type (for TXT only those of its
 * own kind, the same `v=` tag) — the rule of src/generate/records.ts.
 */
import { replaces } from '../src/generate/records.ts';
import type { GeneratedRecord } from '../src/generate/types.ts';
import { parseCharacterStrings, zoneRdata } from '../src/protocol/presentation.ts';
import type { DomainSpec, RecordSpec, Scenario } from '../testworld/scenario.ts';

const abs = (owner: string, apex: string) =>
  owner === '@' ? `${apex}.` : owner.endsWith('.') ? owner.toLowerCase() : `${owner}.${apex}.`.toLowerCase();

function textOf(rdata: string): string {
  const p = parseCharacterStrings(rdata);
  return p.ok ? p.value.join('') : rdata;
}

/**
 * The scenario with the records published (records outside every domain of it are an error).
 * A batch replaces what was there before it; records of the same batch never replace each other.
 */
export function publish(
  scenario: Scenario,
  records: readonly Pick<GeneratedRecord, 'name' | 'type' | 'ttl' | 'value'>[],
): Scenario {
  const domains = scenario.domains.map((d) => ({ ...d, records: [...d.records] as RecordSpec[] }));
  const added = new Map<string, RecordSpec[]>();
  for (const r of records) {
    const name = r.name.toLowerCase().replace(/\.$/, '');
    const zone = domains
      .filter((d) => name === d.name || name.endsWith(`.${d.name}`))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!zone) throw new Error(`publish: ${r.name} is in no domain of scenario ${scenario.name}`);
    const owner = `${name}.`;
    zone.records = zone.records.filter(
      ([o, type, rdata]) =>
        !(
          abs(o, zone.name) === owner &&
          type === r.type &&
          replaces(r, type === 'TXT' ? textOf(rdata) : rdata)
        ),
    );
    added.set(zone.name, [...(added.get(zone.name) ?? []), [owner, r.type, zoneRdata(r), r.ttl]]);
  }
  return {
    ...scenario,
    domains: domains.map((d) => ({
      ...d,
      records: [...d.records, ...(added.get(d.name) ?? [])],
    })) as DomainSpec[],
  };
}
