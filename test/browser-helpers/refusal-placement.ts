/**
 * Where a form's refusal is shown, seen from the field it is about: whether the field is marked
 * (aria-invalid), the message that describes it (aria-describedby), whether that message sits under
 * the field (inside its label), whether the field has the focus, and how many other messages the
 * form shows.
 */
import type { Page } from 'playwright-core';

export function refusalAt(page: Page, form: string, field: string) {
  return page.$eval(`${form} [name=${field}]`, (i) => {
    const message = document.getElementById(i.getAttribute('aria-describedby') ?? '');
    return {
      invalid: i.getAttribute('aria-invalid'), message: message?.textContent ?? null,
      underField: !!message && i.closest('label')!.contains(message), focused: document.activeElement === i,
      elsewhere: [...i.closest('form')!.querySelectorAll('.form-errors')].filter((m) => m !== message).length,
    };
  });
}

/**
 * Waits until the field has the focus: the dashboard moves it there once the swap has settled, a
 * step after the refusal is in the page (on a loaded machine, after a first look). Fails the test
 * when it never gets there.
 */
export async function focusSettles(page: Page, form: string, field: string): Promise<void> {
  await page.waitForFunction((sel) => document.activeElement === document.querySelector(sel), `${form} [name=${field}]`, { timeout: 5_000 });
}
