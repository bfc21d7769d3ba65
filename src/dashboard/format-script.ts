import { clockTime, compactNumber, duration, endpointLabel, usd } from './format';

/** The formats the browser needs (charts and the live monitor), from format.ts itself. */
const BROWSER_FORMATS = { compactNumber, usd, duration, clockTime, endpointLabel } as const;

let script: string | null = null;

/**
 * /assets/format.js: the very functions of format.ts (their compiled source, so there is no
 * second copy to drift), as `window.GopherGateFormat`, for web/charts.js and web/monitor.js. They
 * use nothing but their arguments and built-ins, which is what lets a function's source run on its
 * own in the browser.
 */
export function formatScript(): string {
  script ??=
    '// Generated from src/dashboard/format.ts (src/dashboard/format-script.ts).\nwindow.GopherGateFormat = {\n' +
    Object.entries(BROWSER_FORMATS)
      .map(([name, fn]) => `  ${name}: ${fn.toString()},\n`)
      .join('') +
    '};\n';
  return script;
}
