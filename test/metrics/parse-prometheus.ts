/**
 * A strict reader of the Prometheus text exposition format (0.0.4), used to check that
 * /metrics is something a Prometheus server would accept. Throws on the first violation: a family's
 * HELP and TYPE once each and before its samples, its lines in one group, label values escaped,
 * no duplicate series, no NaN, no negative counter, histogram buckets cumulative up to +Inf = _count.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`bad value ${JSON.stringify(v)}`);
  return Number(v);
}

function parseLabels(src: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < src.length) {
    const eq = src.indexOf('=', i);
    const name = src.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name ${JSON.stringify(name)}`);
    if (src[eq + 1] !== '"') throw new Error(`label ${name} value not quoted`);
    let j = eq + 2;
    let value = '';
    for (; j < src.length && src[j] !== '"'; j++) {
      if (src[j] === '\\') {
        const e = src[++j];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`bad escape \\${e}`);
      } else value += src[j];
    }
    if (src[j] !== '"') throw new Error('unterminated label value');
    if (name in labels) throw new Error(`duplicate label ${name}`);
    labels[name] = value;
    i = j + 1;
    if (src[i] === ',') i++;
    else if (i < src.length) throw new Error(`expected , in labels at ${src.slice(i)}`);
  }
  return labels;
}

function familyOf(sample: string, types: Map<string, string>): string | undefined {
  if (types.has(sample)) return sample;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = sample.slice(0, -suffix.length);
    if (sample.endsWith(suffix) && types.get(base) === 'histogram') return base;
  }
}

export function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  /** Families whose samples are over: one may not come back (a family's lines are one group). */
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (family: string) => {
    if (family === current) return;
    if (closed.has(family)) throw new Error(`${family}: its lines are not one group (they come back after another family)`);
    if (current) closed.add(current);
    current = family;
  };
  const sampled = new Set<string>();
  const seen = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // plain comment
      if (!NAME.test(m[2]!)) throw new Error(`bad metric name ${m[2]}`);
      enter(m[2]!);
      if (sampled.has(m[2]!)) throw new Error(`${m[1]} of ${m[2]} after its samples`);
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3]!)) throw new Error(`bad type ${m[3]}`);
        if (types.has(m[2]!)) throw new Error(`TYPE twice for ${m[2]}`);
        types.set(m[2]!, m[3]!);
      } else {
        if (helps.has(m[2]!)) throw new Error(`HELP twice for ${m[2]}`);
        helps.add(m[2]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (!m) throw new Error(`bad sample line ${JSON.stringify(line)}`);
    const labels = m[2] ? parseLabels(m[2]) : {};
    const family = familyOf(m[1]!, types);
    if (!family) throw new Error(`sample ${m[1]} has no TYPE line before it`);
    if (!helps.has(family)) throw new Error(`sample ${m[1]} has no HELP line before it`);
    enter(family);
    const value = parseValue(m[3]!);
    if (Number.isNaN(value)) throw new Error(`${m[1]} is NaN`);
    const type = types.get(family);
    if ((type === 'counter' || type === 'histogram') && value < 0) throw new Error(`${m[1]} is negative`);
    sampled.add(family);
    const key = `${m[1]}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series ${key}`);
    seen.add(key);
    samples.push({ name: m[1]!, labels, value });
  }
  checkHistograms(samples, types);
  return { samples, types };
}

/** Buckets are cumulative, end in le="+Inf", and that bucket equals _count. */
function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, Sample[]>();
    const counts = new Map<string, number>();
    for (const s of samples) if (s.name === `${name}_count`) counts.set(JSON.stringify(Object.entries(s.labels).sort()), s.value);
    for (const s of samples.filter((x) => x.name === `${name}_bucket`)) {
      const { le, ...rest } = s.labels;
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      const k = JSON.stringify(Object.entries(rest).sort());
      const g = groups.get(k);
      if (g) g.push(s);
      else groups.set(k, [s]);
    }
    for (const [k, buckets] of groups) {
      const les = buckets.map((b) => parseValue(b.labels.le!));
      for (let i = 1; i < buckets.length; i++) {
        if (!(les[i]! > les[i - 1]!)) throw new Error(`${name}: le not ascending`);
        if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${name}: buckets not cumulative`);
      }
      if (les.at(-1) !== Infinity) throw new Error(`${name}: no +Inf bucket`);
      if (counts.get(k) !== buckets.at(-1)!.value) throw new Error(`${name}: _count differs from +Inf bucket`);
    }
  }
}

/** The value of the one sample matching name and (a subset of) labels; 0 when absent. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.reduce((a, s) => a + s.value, 0);
}

type Scrape = ReturnType<typeof parsePrometheus>;
const seriesKey = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;

/**
 * The counter series (histogram buckets, sums and counts included) of `before` that are missing
 * from `after` or smaller there, as `series old -> new` lines: empty when every counter only grew.
 */
export function counterDecreases(before: Scrape, after: Scrape): string[] {
  const now = new Map(after.samples.map((s) => [seriesKey(s), s.value]));
  const counterLike = (name: string) =>
    [...before.types].some(([f, t]) => (t === 'counter' && f === name) || (t === 'histogram' && [`${f}_bucket`, `${f}_sum`, `${f}_count`].includes(name)));
  return before.samples
    .filter((s) => counterLike(s.name) && !((now.get(seriesKey(s)) ?? -1) >= s.value))
    .map((s) => `${seriesKey(s)} ${s.value} -> ${now.get(seriesKey(s))}`);
}
