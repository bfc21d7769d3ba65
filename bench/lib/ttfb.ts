/**
 * Stream time to first byte, measured by our own client: from sending the request to the first
 * bytes of the SSE body (not the headers, which a proxy could send before it has anything).
 * Sequential and interleaved across targets so each sees the same machine state.
 */
export interface TtfbTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface TtfbStats {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

async function once(t: TtfbTarget): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
  if (res.status !== 200) throw new Error(`${t.name}: stream answered ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  let first = -1;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (first < 0 && value.byteLength > 0) first = performance.now() - t0;
  }
  if (first < 0) throw new Error(`${t.name}: empty stream`);
  return first;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function measureTtfb(targets: TtfbTarget[], rounds: number, warmup = 20): Promise<Record<string, TtfbStats>> {
  for (let i = 0; i < warmup; i++) for (const t of targets) await once(t);
  const samples: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let i = 0; i < rounds; i++) for (const t of targets) samples[t.name]!.push(await once(t));
  const out: Record<string, TtfbStats> = {};
  for (const [name, s] of Object.entries(samples)) {
    s.sort((a, b) => a - b);
    out[name] = { p50Ms: pct(s, 50), p99Ms: pct(s, 99), samples: s.length };
  }
  return out;
}
