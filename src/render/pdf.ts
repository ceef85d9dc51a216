/**
 * `mailsec report --format pdf`: the HTML report printed by headless Chromium (browser.ts). The
 * page is set as content (no file, no server), JavaScript is off and every request is aborted:
 * the report needs none, and nothing in it may make one.
 */
import { launchChromium } from './browser.ts';

export interface PdfOptions {
  /** Chromium binary (default: Debian's /usr/bin/chromium) */
  readonly chromium?: string;
  readonly timeoutMs?: number;
  /** PATH and HOME for the browser process */
  readonly env?: { PATH?: string | undefined; HOME?: string | undefined };
}

export async function renderPdf(html: string, o: PdfOptions = {}): Promise<Buffer> {
  const browser = await launchChromium({
    ...(o.chromium ? { executablePath: o.chromium } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.env ? { env: o.env } : {}),
  });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, colorScheme: 'light' });
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load', timeout: o.timeoutMs ?? 60_000 });
    await page.emulateMedia({ media: 'print' });
    return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}
