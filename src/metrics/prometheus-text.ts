import type { Counter, Histogram } from './metric-series';

/** Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A gauge computed at scrape time (queue depth, breaker state). */
export interface GaugeFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

// Label values escape backslash, double quote and newline; HELP text escapes backslash and newline.
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function header(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

function renderCounter(out: string[], c: Counter): void {
  header(out, c.name, c.help, 'counter');
  for (const s of c.entries()) out.push(`${c.name}${labelText(c.labelNames, s.labels)} ${num(s.value.n)}`);
}

function renderHistogram(out: string[], h: Histogram): void {
  header(out, h.name, h.help, 'histogram');
  for (const s of h.entries()) {
    // Stored per bucket; the format wants cumulative counts ending with le="+Inf" == _count.
    let cumulative = 0;
    for (let i = 0; i <= h.buckets.length; i++) {
      cumulative += s.value.counts[i] ?? 0;
      const le = i < h.buckets.length ? num(h.buckets[i]!) : '+Inf';
      out.push(`${h.name}_bucket${labelText(h.labelNames, s.labels, `le="${le}"`)} ${cumulative}`);
    }
    const l = labelText(h.labelNames, s.labels);
    out.push(`${h.name}_sum${l} ${num(s.value.sum)}`, `${h.name}_count${l} ${s.value.count}`);
  }
}

function renderGauge(out: string[], g: GaugeFamily): void {
  header(out, g.name, g.help, g.type);
  for (const s of g.samples) {
    const names = Object.keys(s.labels ?? {});
    out.push(`${g.name}${labelText(names, names.map((n) => s.labels![n]!))} ${num(s.value)}`);
  }
}

/** Renders every family; the text ends with a newline as the format requires. */
export function renderPrometheus(metrics: Array<Counter | Histogram>, gauges: GaugeFamily[]): string {
  const out: string[] = [];
  for (const m of metrics) (m.type === 'counter' ? renderCounter(out, m as Counter) : renderHistogram(out, m as Histogram));
  for (const g of gauges) renderGauge(out, g);
  return out.join('\n') + '\n';
}
