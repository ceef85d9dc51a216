/**
 * The template documents of the store benchmarks: every document of a stored scan (the newest
 * scan unless one is named), as JSON text in domain order, for copying under new names.
 */
import { openScanSource } from '../../src/scan/store.ts';

export async function templateDocuments(from: string, scanName?: string): Promise<string[]> {
  const source = await openScanSource(from);
  const templates: string[] = [];
  try {
    const scan = scanName ?? (await source.scans()).at(-1)?.name;
    if (!scan) throw new Error(`${from} holds no scan`);
    for await (const rows of source.streamScans(
      { domains: scan },
      'SELECT CAST(doc AS VARCHAR) AS doc FROM domains ORDER BY domain',
    ))
      for (const r of rows) templates.push(String(r.doc));
  } finally {
    await source.close();
  }
  return templates;
}
