/**
 * Real headless Chromium (Debian's package) driven by playwright-core. Flags keep it from
 * talking to anything but loopback: no QUIC, no background networking, no component updates.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(import.meta.dir, '..', '..', 'test-artifacts');

/** Without Chromium the browser suites skip on a developer's machine; under CI they run (and fail). */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** `extraArgs`: more Chromium flags (a host-resolver rule mapping a made-up name to 127.0.0.1). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', ...extraArgs,
    ],
  });
}

/** Full-page PNG under test-artifacts/ (git-ignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  // The sidebar is sticky: at a scrolled position it would be captured mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Collects what a page does wrong: console errors (CSP violations land here), uncaught
 * exceptions, and any dialog (an XSS payload's alert() would open one).
 */
export function watchPage(page: Page) {
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    // hx-confirm uses window.confirm: accept those, count everything.
    void (d.type() === 'confirm' ? d.accept() : d.dismiss());
  });
  return { problems, dialogs };
}
