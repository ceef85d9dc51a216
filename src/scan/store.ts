/**
 * The scan store as the scan and report see it: the part store of src/store/scan-store.ts with
 * the typed columns of src/statistics/row.ts (one verdict per statistic key, status per section).
 */
import { domainRow, ROW_COLUMNS, rowValues } from '../statistics/row.ts';
import type { OpenOptions } from '../store/duckdb.ts';
import { ScanReader, ScanStore, type StoredDomain } from '../store/scan-store.ts';

/** The row a document is stored as. */
export function toStored(doc: Record<string, unknown>): StoredDomain {
  const r = domainRow(doc);
  return {
    domain: r.domain,
    checkedAt: r.checkedAt,
    hasMx: r.hasMx,
    errors: r.errors,
    undetermined: r.undetermined,
    columns: rowValues(r),
    findings: r.findings,
    doc,
  };
}

const storeOptions = (o: OpenOptions) => ({ ...o, columns: ROW_COLUMNS, toRow: toStored });

/** The writer of a scan (`mailsec scan`): migrates a version-1 file first. */
export function openScanSink(path: string, o: OpenOptions = {}): Promise<ScanStore> {
  return ScanStore.open(path, storeOptions(o));
}

/** A reader beside any writer (`mailsec report`, later `serve`). */
export function openScanSource(path: string, o: OpenOptions = {}): Promise<ScanReader> {
  return ScanReader.open(path, storeOptions({ ...o, readOnly: true }));
}
