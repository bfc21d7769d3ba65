/**
 * A fake OpenAI whose answers wait until the test lets them go, and /health read until it says
 * what a test waits for: the setup of the upstream queue's tests (LLM_PROXY__UPSTREAM__MAX_CONNECTIONS).
 */
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from './fake-upstream';
import type { TestGateway } from './start-gateway';

/**
 * A fake OpenAI whose answers wait until the test lets them go (the gateway's call holds its slot
 * meanwhile); `atOnce` may answer a call at once instead (its Response), by what was sent.
 */
export function heldUpstream(atOnce?: (rec: { body?: any }) => Response | null) {
  let gates: (() => void)[] = [];
  let arrived: (() => void)[] = [];
  const fake = startFakeUpstream(async (_req, rec) => {
    const now = atOnce?.(rec);
    if (now) return now;
    await new Promise<void>((r) => {
      gates.push(r);
      arrived.splice(0).forEach((a) => a());
    });
    return rec.body?.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : jsonResponse(fixtureJson('openai', 'chat.json'));
  });
  return {
    fake,
    /** Resolves once `n` calls are being held. */
    async held(n: number) {
      while (gates.length < n) await new Promise<void>((r) => arrived.push(r));
    },
    /** Lets the oldest held call answer. */
    releaseOne() {
      gates.shift()?.();
    },
    releaseAll() {
      gates.splice(0).forEach((g) => g());
    },
  };
}

export async function health(gw: TestGateway) {
  return (await (await fetch(`${gw.url}/health`)).json()) as any;
}

/** Polls /health until `pred` holds (bounded: a failure names what it saw). */
export async function healthWhen(gw: TestGateway, pred: (h: any) => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const h = await health(gw);
    if (pred(h)) return h;
    if (Date.now() > deadline) throw new Error(`${what}: /health said ${JSON.stringify(h)}`);
    await Bun.sleep(20);
  }
}
