#!/usr/bin/env bun
/**
 * `bun bench/stream-transform.ts`: CPU of the provider layer alone, per provider shape: the
 * OpenAI-compatible stream transformer over each provider's recorded stream (test/fixtures, padded
 * to 20 content chunks, one event per network read, client asking for usage), and the non-stream
 * parse (+ re-encode when the answer is not sent as the upstream's bytes). Best of 12 rounds of
 * 2000, for A/B runs on two commits (the shared box moves single figures a lot). No network.
 * `--one-read`: the whole stream arrives in one read, as bench/fake-upstream.ts sends it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterFor } from '../src/providers/registry';

const FIXTURES = join(import.meta.dir, '..', 'test', 'fixtures');
const enc = new TextEncoder();
const ctl = { enqueue() {}, error() {}, terminate() {}, desiredSize: 1 } as unknown as TransformStreamDefaultController<Uint8Array>;

function events(provider: string): Uint8Array[] {
  const lines = readFileSync(join(FIXTURES, provider, 'text.chunks.txt'), 'utf8').split('\n').filter(Boolean);
  const content = lines.find((l) => l.includes('"content":"Hello"'))!;
  const rest = lines.filter((l) => l !== content);
  return [rest[0]!, ...Array<string>(20).fill(content), ...rest.slice(1)].map((l) => enc.encode(`data: ${l}\n\n`));
}

for (const p of ['openai', 'deepseek', 'moonshot', 'grok', 'ollama'] as const) {
  const adapter = adapterFor(p);
  const evs = events(p);
  const reads = process.argv.includes('--one-read') ? [Buffer.concat(evs)] : evs;
  const json = readFileSync(join(FIXTURES, p, 'chat.json'), 'utf8');
  const stream = () => {
    const tally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
    const t = adapter.chatStream({ model: 'm', stream: true, clientWantsUsage: true }, tally);
    for (const r of reads) t.transform!(r, ctl);
    t.flush!(ctl);
  };
  const whole = () => {
    const r = adapter.parseChatResponse(JSON.parse(json), { model: 'm', stream: false, clientWantsUsage: false });
    if (!r.verbatim) JSON.stringify(r.completion);
  };
  let bestStream = Infinity;
  let bestJson = Infinity;
  for (let round = 0; round < 12; round++) {
    const N = 2000;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) stream();
    bestStream = Math.min(bestStream, ((performance.now() - t0) * 1000) / N);
    t0 = performance.now();
    for (let i = 0; i < N; i++) whole();
    bestJson = Math.min(bestJson, ((performance.now() - t0) * 1000) / N);
  }
  console.log(`${p.padEnd(9)} stream ${bestStream.toFixed(1)} µs (${evs.length} events in ${reads.length} reads)   non-stream ${bestJson.toFixed(2)} µs`);
}
