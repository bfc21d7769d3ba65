/**
 * Number formatting for the dashboard: every figure carries its unit so a reader never has to
 * guess whether 1200 is tokens, milliseconds or cents. Pure functions, shared by pages and tests.
 */

/**
 * Between a figure and its unit in a label ("30\u00a0d", "24\u00a0h"): a narrow column wraps its
 * heading at spaces, and "Requests (30" above "d)" reads as neither.
 */
export const NBSP = '\u00a0';

/** 950 -> "950", 1234 -> "1.2k", 2_500_000 -> "2.5M". */
export function compactNumber(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const abs = Math.abs(n);
  const units: [number, string][] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) {
    // From the first figure that rounds to 1,000 of the unit below: 999,950 is "1M", not "1000k".
    if (abs >= size - size / 2000) {
      const v = n / size;
      // One decimal below 100 ("1.2k"), none above ("312k"); trailing ".0" dropped.
      const s = Math.abs(v) < 100 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v).toString();
      return s + suffix;
    }
  }
  return Number.isInteger(n) ? n.toString() : n.toFixed(1);
}

/** "1.2k tokens", "1 token". */
export function tokens(n: number): string {
  return `${compactNumber(n)} ${n === 1 ? 'token' : 'tokens'}`;
}

/** "1.2k requests". */
export function count(n: number, noun: string): string {
  return `${compactNumber(n)} ${n === 1 ? noun : `${noun}s`}`;
}

/**
 * USD with enough precision to see per-request costs: "$0.0041", "$1.23", "$1,234".
 * Tiny non-zero amounts keep two significant digits instead of rounding to "$0.00".
 */
export function usd(n: number): string {
  if (!Number.isFinite(n) || n === 0) return '$0';
  const abs = Math.abs(n);
  const sign = n < 0 ? '-' : '';
  // Rounded as the decimal the figure stands for, not its binary double: one request's $0.00000825
  // is stored as 8.249999999999998e-6 on its log row and as 8.25e-6 in the totals (roundUsd), and
  // toFixed read the row "$0.0000082" beside totals of "$0.0000083". Twelve significant digits drop
  // the float noise; the rounding then moves the decimal point in the string, where no noise is added.
  // (Inside usd: the browser runs this function's own source, format-script.ts.)
  const fixed = (x: number, decimals: number): string => {
    const [m, e] = x.toExponential(11).split('e');
    return (Math.round(Number(`${m}e${Number(e) + decimals}`)) / 10 ** decimals).toFixed(decimals);
  };
  // From what toFixed(2) would show as 1000.00: $999.999 is "$1,000" as $1,000 is.
  if (abs >= 999.995) return `${sign}$${Math.round(abs).toLocaleString('en-US')}`;
  if (abs >= 1) return `${sign}$${fixed(abs, 2)}`;
  if (abs >= 0.01) return `${sign}$${fixed(abs, 3).replace(/0$/, '')}`;
  // Two significant digits as fixed decimals: toPrecision(2) switches to exponent notation below
  // 1e-6 ("$1.0e-7", a short embedding's cost). Past 100 decimals toFixed throws: "$0" then.
  const decimals = 1 - Math.floor(Math.log10(abs));
  if (decimals > 100) return '$0';
  return `${sign}$${fixed(abs, decimals).replace(/0+$/, '').replace(/\.$/, '')}`;
}

/**
 * A budget as the operator typed it: cents always, more digits only when the amount has them
 * ("$1,234.56", "$1,000.00", "$0.05", "$0.005"). usd() rounds above $1,000, which made a budget
 * of $1,234.56 read "$1,235".
 */
export function usdExact(n: number): string {
  if (!Number.isFinite(n)) return '$0.00';
  // Every digit typed: a budget of $0.0000001 cut at six decimals read "$0.00". Intl prints a double's
  // shortest decimal, so the extra room adds no float noise (0.1 stays "0.10").
  const s = Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 100 });
  return `${n < 0 ? '-' : ''}$${s}`;
}

/** Spend beside a budget: to the cent from $1 ("$1,234.56"), usd()'s significant digits below. */
export function usdCents(n: number): string {
  if (!Number.isFinite(n) || Math.abs(n) < 1) return usd(n);
  return usdExact(Math.round(n * 100) / 100);
}

/** "0.36 ms", "312 ms", "1.4 s", "2.1 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  // Below 10 ms the fraction is the figure (the gateway's mean overhead is often under 1 ms):
  // rounded to whole ms it read "0 ms".
  if (Math.abs(ms) < 10) return `${Number(ms.toFixed(2))} ms`;
  // Each unit up to the figure that would round to the next one's size: 999.6 ms is "1 s", not "1000 ms".
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  return `${(ms / 60_000).toFixed(1).replace(/\.0$/, '')} min`;
}

/**
 * 0.0312 -> "3.1%"; a ratio with no denominator reads "0%". Some but few ("<0.1%") and almost all
 * (">99.9%") are never rounded to "0%" or "100%": 2 errors in 10,000 requests read "0%" beside "2 errors".
 */
export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '0%';
  const p = ratio * 100;
  if (p > 0 && p < 0.05) return '<0.1%';
  if (p >= 99.95 && p < 100) return '>99.9%';
  if (p === 0 || (p >= 10 && p < 99.5) || p >= 100) return `${Math.round(p)}%`;
  return `${p.toFixed(1).replace(/\.0$/, '')}%`;
}

/** UTC timestamp "2025-01-31 14:05:09" — the server does not know the reader's zone. */
export function dateTime(epochMs: number | null | undefined): string {
  if (epochMs == null) return 'never';
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The live monitor's time of a row: "14:05:09" on the day (UTC) it is now, "01-30 14:05:09" (as the
 * Logs page writes it) on an earlier one. The monitor opens with the log's latest rows, however old:
 * after a quiet night, yesterday's read as if they had just come in.
 */
export function clockTime(epochMs: number, now: number): string {
  const at = new Date(epochMs).toISOString();
  return at.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? at.slice(11, 19) : `${at.slice(5, 10)} ${at.slice(11, 19)}`;
}

/**
 * A request's endpoint as the Logs detail and the live monitor name it: `chat (stream)` for a
 * streamed answer, so the two pages mark streams alike (the monitor gets this very function).
 */
export function endpointLabel(endpoint: string, stream: boolean): string {
  return stream ? `${endpoint} (stream)` : endpoint;
}

/** dateTime() with its zone, "2025-01-31 14:05:09 UTC", where no heading on the page says UTC. */
export function utcDateTime(epochMs: number | null | undefined): string {
  return epochMs == null ? 'never' : `${dateTime(epochMs)} UTC`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", or "never". */
export function ago(epochMs: number | null | undefined, now = Date.now()): string {
  if (epochMs == null) return 'never';
  const s = Math.max(0, (now - epochMs) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
