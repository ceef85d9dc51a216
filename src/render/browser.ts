/**
 * The one place mailsec starts a browser: Debian's Chromium, headless, driven by playwright-core
 * (which never downloads a browser of its own). Used by `report --format pdf` and, through
 * test/browser.ts, by the tests that look at the HTML report (and later the dashboard).
 *
 * Flags: no sandbox (mailsec runs as root on CI, where Chromium's sandbox refuses to start), no
 * GPU, and no background networking of any kind (component updates, sync, QUIC, first-run
 * fetches): the browser must send no packet the page did not ask for, and the pages mailsec
 * renders ask for none. Playwright gives every launch a fresh, empty profile (user data
 * directory) and removes it on close.
 */
import { existsSync } from 'node:fs';
import type { Browser, LaunchOptions } from 'playwright-core';
import { ErrorCode, MailsecError } from '../core/errors.ts';

/** where Debian's chromium package puts the browser */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--no-pings',
  '--metrics-recording-only',
  '--dns-prefetch-disable',
];

/** The Chromium binary to use: the given path, else Debian's; a clear error when neither exists. */
export function chromiumPath(given?: string): string {
  const path = given ?? DEFAULT_CHROMIUM;
  if (!existsSync(path)) {
    throw new MailsecError(
      ErrorCode.BrowserUnavailable,
      `Chromium is not installed (${path} not found); it is needed to write a PDF`,
      given
        ? 'give the path of a Chromium or Chrome binary'
        : 'install it (Debian: apt-get install chromium), or write the HTML report and print that file to PDF from a browser',
      given
        ? {
            detail: {
              option: 'chromium',
              path,
              reason: 'Chromium is not installed there (not found)',
            },
          }
        : {},
    );
  }
  return path;
}

/** Starts headless Chromium; the caller closes it. */
export async function launchChromium(
  o: {
    executablePath?: string;
    timeoutMs?: number;
    /** PATH and HOME for the browser process (the caller's; nothing else is inherited) */
    env?: { PATH?: string | undefined; HOME?: string | undefined };
  } = {},
): Promise<Browser> {
  const executablePath = chromiumPath(o.executablePath);
  const { chromium } = await import('playwright-core');
  const options: LaunchOptions = {
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    timeout: o.timeoutMs ?? 30_000,
    // the browser inherits no proxy and no display from the environment
    env: { PATH: o.env?.PATH ?? '/usr/bin:/bin', HOME: o.env?.HOME ?? '/tmp' },
  };
  try {
    return await chromium.launch(options);
  } catch (e) {
    throw new MailsecError(
      ErrorCode.BrowserUnavailable,
      `Chromium (${executablePath}) did not start: ${(e as Error).message.split('\n')[0]}`,
      'check that the chromium package is complete (apt reinstall chromium)',
      { cause: e },
    );
  }
}
