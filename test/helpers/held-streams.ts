/**
 * A fake DeepSeek whose streams pause after their second payload while held: `hold()` before the
 * requests, `release()` to let them finish (also safe to call when nothing is held). JSON requests are
 * answered at once. For tests that must kill or restart a gateway while streams are in flight.
 */
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from './fake-upstream';

export interface HeldStreams {
  fake: FakeUpstream;
  hold(): void;
  release(): void;
}

export function heldDeepSeekStreams(): HeldStreams {
  const chunks = readChunks('deepseek', 'text.chunks.txt');
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  const fake = startFakeUpstream((_req, rec) =>
    rec.body?.stream ? sseResponse(chunks, { holdAt: { at: 2, until: gate } }) : jsonResponse(fixtureJson('deepseek', 'chat.json')),
  );
  return {
    fake,
    hold: () => void (gate = new Promise<void>((r) => (open = r))),
    release: () => open(),
  };
}
