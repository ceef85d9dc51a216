/**
 * The template documents of the store benchmarks: every document of a stored scan (the newest
 * scan unless one is named), as JSON text in domain order, for copying under new names.
 */
import { openScanSource } from '../../src/scan/store.ts';

export async function templateDocuments(from: string, scanName?: string): Promise<string[]> {
  const source = await openScanSource(from);
  const rows: { domain: string; doc: string }[] = [];
  try {
    const scan = scanName ?? (await source.scans()).at(-1)?.name;
    if (!scan) throw new Error(`${from} holds no scan`);
    // sorted here, not by the engine: an ORDER BY over whole documents ran out of the reader's
    // memory on a 40,000-domain store
    for await (const page of source.streamScans(
      { domains: scan },
      'SELECT domain, CAST(doc AS VARCHAR) AS doc FROM domains',
    ))
      for (const r of page) rows.push({ domain: String(r.domain), doc: String(r.doc) });
  } finally {
    await source.close();
  }
  rows.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  return rows.map((r) => r.doc);
}
