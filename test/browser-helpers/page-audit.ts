/**
 * Page-wide checks of what is on screen now: controls Chromium's accessibility tree gives no name
 * (a button, field, select or link a screen reader would announce as just its role), the page
 * scrolling sideways (wide tables scroll inside their .table-wrap, never the page), and tables
 * whose scroll box hides some of their columns.
 */
import type { Page } from 'playwright-core';

/** Roles a person operates; each needs a name (label, aria-label, text, title). */
const CONTROL_ROLES = new Set(['button', 'textbox', 'combobox', 'checkbox', 'radio', 'link', 'spinbutton', 'searchbox', 'listbox', 'slider', 'switch', 'menuitem', 'tab']);

interface AxNode { ignored?: boolean; role?: { value?: string }; name?: { value?: string }; backendDOMNodeId?: number }

/** Each nameless control shown, as `role <outer HTML…>`. Hidden ones (x-show, closed details) are not in the tree. */
export async function namelessControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
    const found: string[] = [];
    for (const n of nodes) {
      const role = n.role?.value ?? '';
      if (n.ignored || !CONTROL_ROLES.has(role) || (n.name?.value ?? '').trim()) continue;
      let html = '';
      if (n.backendDOMNodeId) {
        const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: n.backendDOMNodeId });
        const { result } = await cdp.send('Runtime.callFunctionOn', {
          objectId: object.objectId!, functionDeclaration: 'function () { return this.outerHTML.slice(0, 160); }', returnByValue: true,
        });
        html = String(result.value);
      }
      found.push(`${role} ${html}`);
    }
    return found;
  } finally {
    await cdp.detach();
  }
}

/** How many pixels the page scrolls sideways, and the first elements past the window's right edge. */
export function sidewaysOverflow(page: Page): Promise<{ px: number; past: string[] }> {
  return page.evaluate(() => {
    const edge = document.documentElement.clientWidth;
    const past: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > edge + 1 && !el.closest('.table-wrap')) past.push(`${el.tagName.toLowerCase()}.${el.className} ends at ${Math.round(r.right)}px`);
    }
    return { px: document.documentElement.scrollWidth - window.innerWidth, past: past.slice(0, 3) };
  });
}

/** Each table whose scroll box hides part of it (`clients-table is cut by 31px`). */
export function tablesCut(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('.table-wrap')]
    .filter((w) => w.scrollWidth - w.clientWidth > 1)
    .map((w) => `${w.querySelector('table')?.id || 'a table'} is cut by ${w.scrollWidth - w.clientWidth}px`));
}
