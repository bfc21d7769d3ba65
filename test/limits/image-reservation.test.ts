/** What an images request reserves against a budget: its own quality, size and n, never less than its row bills. */
import { expect, test } from 'bun:test';
import { imagePriceUnits } from '../../src/images/image-price-units';
import { targetsForImageCount } from '../../src/images/image-targets';
import type { ImageRequest } from '../../src/images/images-types';
import { planImageCall } from '../../src/images/plan-image-call';
import { worstCaseOf } from '../../src/limits/worst-case';
import { worstPricesOf } from '../../src/limits/worst-prices';
import type { ProviderId } from '../../src/providers/types';
import type { RouteDecision } from '../../src/routing';
import { computeCost } from '../../src/usage/cost';
import { ZERO_USAGE, type Usage } from '../../src/usage/types';
import { group, makeSnapshot, model } from '../routing/snapshot-fixture';

// Per-image and input prices as seeded (src/db/seed/model-prices.ts); image models bill no output tokens.
const img = (id: string, provider: ProviderId, image: number, input = 0) =>
  ({ ...model(id, provider), kind: 'image' as const, prices: { input, cachedInput: null, output: 0, reasoning: null, image } });
const MODELS = [
  img('dall-e-2', 'openai', 0.02), img('dall-e-3', 'openai', 0.04), img('gpt-image-1', 'openai', 0.042, 5), img('gpt-image-1-mini', 'openai', 0.011, 2),
  img('imagen-4.0-generate-001', 'gemini', 0.04), img('gemini-2.5-flash-image', 'gemini', 0.039, 0.3), img('grok-2-image-1212', 'grok', 0.07),
];
const snap = makeSnapshot({
  models: MODELS,
  groups: [group('every', MODELS.map((m) => m.id)), group('pair', ['dall-e-3', 'gpt-image-1']), group('pictures', ['dall-e-3', 'imagen-4.0-generate-001', 'dall-e-2'])],
});
const QUALITIES = [undefined, null, 'auto', 'standard', 'hd', 'low', 'medium', 'high'];
const SIZES = [undefined, null, 'auto', '256x256', '512x512', '1024x1024', '1792x1024', '1024x1792', '1536x1024', '1024x1536'];
const GPT_IMAGE_TOKENS: Record<string, [number, number]> = { low: [272, 408], medium: [1056, 1584], high: [4160, 6240] };

/** Every usage an answer of `model` to `req` may report (gpt-image-1: any quality and shape `auto` may turn into; none at all). */
function possibleUsages(modelId: string, req: ImageRequest, n: number, prompt: number): (Usage | null)[] {
  if (modelId.startsWith('gpt-image-1')) {
    const qualities = GPT_IMAGE_TOKENS[String(req.quality)] ? [String(req.quality)] : Object.keys(GPT_IMAGE_TOKENS);
    const shapes = req.size === '1024x1024' ? [0] : req.size === '1536x1024' || req.size === '1024x1536' ? [1] : [0, 1];
    return [null, ...qualities.flatMap((q) => shapes.map((s) => ({ ...ZERO_USAGE, input: prompt, output: n * GPT_IMAGE_TOKENS[q]![s]! })))];
  }
  if (modelId === 'gemini-2.5-flash-image') return [{ ...ZERO_USAGE, input: prompt, output: 1290 }];
  return [null];
}

/** The targets a request to `name` is tried on (a group's that can make its n), each only if its plan takes the request. */
function reachable(name: string, req: ImageRequest) {
  const names = snap.groups.get(name)?.targets ?? [name];
  let decision: RouteDecision = {
    requested: name, path: [name], reason: '',
    targets: names.map((id) => ({ provider: snap.models.get(id)!.provider, upstreamModel: id, modelId: id, entry: snap.models.get(id)! })),
  };
  if (snap.groups.has(name)) {
    try {
      decision = targetsForImageCount(decision, req);
    } catch {
      return []; // a 400: nothing billed
    }
  }
  return decision.targets.filter((t) => {
    try {
      planImageCall(req, t, snap.providers.get(t.provider)!);
      return true;
    } catch {
      return false;
    }
  });
}

test('for every model, group, quality, size and n, the row never bills more than the budget reserved', () => {
  let checked = 0;
  for (const name of [...MODELS.map((m) => m.id), ...snap.groups.keys()]) {
    const prices = worstPricesOf(name, snap);
    for (const quality of QUALITIES) for (const size of SIZES) for (const n of [1, 2, 4, 5, 10]) {
      const req = { model: name, prompt: 'a lighthouse at dusk', n, ...(quality !== undefined && { quality }), ...(size !== undefined && { size }) } as ImageRequest;
      const bytes = JSON.stringify(req).length;
      const reserved = worstCaseOf('images', req, bytes, prices).costUsd;
      for (const t of reachable(name, req)) {
        for (const usage of possibleUsages(t.upstreamModel, req, n, Math.ceil(bytes / 3))) {
          const billed = computeCost(usage ?? ZERO_USAGE, t.entry!.prices, imagePriceUnits(t.upstreamModel, req, n, usage));
          if (billed > reserved + 1e-12) throw new Error(`${name} -> ${t.modelId} ${JSON.stringify(req)} usage ${JSON.stringify(usage)}: bills ${billed}, reserved ${reserved}`);
          checked++;
        }
      }
    }
  }
  expect(checked).toBeGreaterThan(1000);
});

test("a request reserves its own image, not the model's dearest: dall-e exactly, gpt-image-1 the dearest of the quality and size asked", () => {
  const reserve = (body: Record<string, unknown>) => worstCaseOf('images', body, 0, worstPricesOf(String(body.model), snap)).costUsd;
  expect(reserve({ model: 'dall-e-3' })).toBeCloseTo(0.04, 12);
  expect(reserve({ model: 'dall-e-3', quality: 'standard', size: '1024x1024' })).toBeCloseTo(0.04, 12);
  expect(reserve({ model: 'dall-e-3', quality: 'hd' })).toBeCloseTo(0.08, 12);
  expect(reserve({ model: 'dall-e-3', quality: 'hd', size: '1024x1792' })).toBeCloseTo(0.12, 12);
  expect(reserve({ model: 'dall-e-2', size: '256x256', n: 3 })).toBeCloseTo(3 * 0.016, 12);
  expect(reserve({ model: 'gpt-image-1', quality: 'low', size: '1024x1024' })).toBeCloseTo((0.042 * 272) / 1056, 12);
  expect(reserve({ model: 'gpt-image-1', quality: 'medium', size: '1536x1024', n: 2 })).toBeCloseTo((2 * 0.042 * 1584) / 1056, 12);
  // `auto` or no quality may come out high; `auto` or no size non-square.
  expect(reserve({ model: 'gpt-image-1', quality: 'low' })).toBeCloseTo((0.042 * 408) / 1056, 12);
  expect(reserve({ model: 'gpt-image-1', size: '1024x1024' })).toBeCloseTo((0.042 * 4160) / 1056, 12);
  expect(reserve({ model: 'gpt-image-1', quality: 'auto', size: 'auto' })).toBeCloseTo((0.042 * 6240) / 1056, 12);
  // A group: the dearest of its targets for this request; for n=2 only those that can make two (dall-e-3 cannot).
  expect(reserve({ model: 'pair', quality: 'hd' })).toBeCloseTo(Math.max(0.08, (0.042 * 6240) / 1056), 12);
  expect(reserve({ model: 'pictures', quality: 'hd', size: '1792x1024', n: 2 })).toBeCloseTo(2 * 0.04, 12);
  expect(reserve({ model: 'pictures', n: 5 })).toBeCloseTo(5 * 0.02, 12);
});
