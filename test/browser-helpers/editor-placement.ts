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
