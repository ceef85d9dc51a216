/**
 * Tests that look at a page in a real browser: Debian's headless Chromium through the one launcher
 * of src/render/browser.ts (same flags as `report --format pdf`). `openPage` records everything a
 * hostile page could do that a test must see: console messages, page errors, dialogs (dismissed)
 * and every request the page makes.
 */
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../src/render/browser.ts';

export { launchChromium };

export interface PageEvents {
  readonly console: { type: string; text: string }[];
  readonly pageErrors: string[];
  readonly dialogs: string[];
  /** every request URL, the document's own included */
  readonly requests: string[];
}

export interface OpenedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly events: PageEvents;
  /** the document's URL */
  readonly url: string;
}

/** Opens a local HTML file; scripts stay enabled, so a test shows that the page's CSP stops them. */
export async function openPage(
  browser: Browser,
  file: string,
  o: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    colorScheme: o.colorScheme ?? 'light',
    viewport: { width: o.width ?? 1100, height: o.height ?? 900 },
  });
  const events: PageEvents = { console: [], pageErrors: [], dialogs: [], requests: [] };
  // nothing leaves the page: a request is recorded, then refused
  await context.route('**/*', (route) =>
    route.request().url().startsWith('file:') ? route.continue() : route.abort(),
  );
  const page = await context.newPage();
  page.on('console', (m) => events.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => events.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    events.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('request', (r) => events.requests.push(r.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  return { page, context, events, url };
}

/**
 * Opens a page of a server under test: requests to its origin go through, every other request is
 * recorded and refused (a page that asks for anything elsewhere shows up in `events.requests`).
 * `context` may be given to keep cookies (a session) across pages.
 */
export async function openUrl(
  browser: Browser,
  url: string,
  o: { context?: BrowserContext; colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<OpenedPage & { status: number }> {
  const origin = new URL(url).origin;
  const context =
    o.context ??
    (await browser.newContext({
      colorScheme: o.colorScheme ?? 'light',
      viewport: { width: o.width ?? 1100, height: o.height ?? 900 },
    }));
  const events: PageEvents = { console: [], pageErrors: [], dialogs: [], requests: [] };
  if (!o.context)
    await context.route('**/*', (route) =>
      new URL(route.request().url()).origin === origin ? route.continue() : route.abort(),
    );
  const page = await context.newPage();
  page.on('console', (m) => events.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => events.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    events.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('request', (r) => events.requests.push(r.url()));
  const response = await page.goto(url, { waitUntil: 'load' });
  return { page, context, events, url, status: response?.status() ?? 0 };
}
