// A writer in its own process for scan-store.test.ts: BATCHES parts of PER domains into DB, then finish.
//   node scan-store.writer.fixture.ts DB BATCHES PER
import { openScanSink, toStored } from '../scan/store.ts';

const [path, batches, per] = [process.argv[2] as string, Number(process.argv[3]), Number(process.argv[4])];
const sink = await openScanSink(path, { lockWaitMs: 20_000 });
await sink.begin('w', {}, 'fixture');
for (let b = 0; b < batches; b++) {
  const rows = [];
  for (let i = 0; i < per; i++) {
    const domain = `d${b * per + i}.ch`;
    rows.push(
      toStored({
        domain,
        checkedAt: new Date().toISOString(),
        findings: [],
        summary: { error: 0, errors: 0 },
        mx: { status: 'pass', records: [{ exchange: 'mx.hoster.ch', kind: 'host' }], nullMx: false },
        spf: { status: 'pass', record: 'v=spf1 -all', records: ['v=spf1 -all'], all: '-all' },
      }),
    );
  }
  await sink.write('w', rows);
  await new Promise((r) => setTimeout(r, 10));
}
await sink.finish('w');
await sink.close();
