/**
 * Where an open inline editor (the form `formSelector` names) and each of its fields are, against
 * the window's width: for the row editors that must stay usable on a phone-wide window.
 */
import type { Page } from 'playwright-core';

export function editorPlacement(page: Page, formSelector: string) {
  return page.evaluate((sel) => {
    const form = document.querySelector(sel)!;
    const out = (el: Element) => { const r = el.getBoundingClientRect(); return r.left < -1 || r.right > window.innerWidth + 1; };
    const fields = [...form.querySelectorAll('input:not([type=hidden]), select, button')].filter((el) => el.getClientRects().length);
    const title = document.getElementById(form.getAttribute('aria-labelledby') ?? '');
    return {
      formOut: out(form),
      fieldsOut: fields.filter(out).map((el) => (el as HTMLInputElement).name || el.textContent),
      fields: fields.length,
      title: title?.textContent?.replace(/\s+/g, ' ').trim() ?? null,
      titleOut: title ? out(title) : true,
      pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    };
  }, formSelector);
}

/**
 * Waits until an editor has opened: x-show shows the form, and a frame later its first field takes
 * the focus (which may scroll the table sideways), so placement read before that is of a form still
 * moving. Fails the test when the focus never gets into the form.
 */
export async function editorOpened(page: Page, formSelector: string): Promise<void> {
  await page.waitForFunction((sel) => document.querySelector(sel)?.contains(document.activeElement) ?? false, formSelector, { timeout: 5_000 });
}
