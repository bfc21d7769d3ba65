/**
 * What the text-after-call files share: Gemini's text, functionCall, text answer (generateContent
 * JSON and its stream), a fake Gemini replaying it, and Gemini answers of other parts parsed as the
 * gateway parses them, for the pure checks.
 */
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { geminiAdapter } from '../../src/providers/gemini';
import { firstToolCallOnly } from '../../src/providers/shared/one-tool-call';

const FIXTURE = 'text-call-text';
export const raw = fixtureJson('gemini', `${FIXTURE}.json`);
export const [BEFORE, CALL, AFTER] = raw.candidates[0].content.parts as [{ text: string }, { functionCall: { name: string; args: object } }, { text: string }];

/** A fake Gemini answering the fixture: its stream on streamGenerateContent, its JSON otherwise. */
export const textCallTextGemini = (): FakeUpstream =>
  startFakeUpstream((_r, rec) => (rec.path.includes(':streamGenerateContent') ? sseResponse(readChunks('gemini', `${FIXTURE}.chunks.txt`)) : jsonResponse(raw)));

/** A functionCall part asking the weather in `city`. */
export const weatherCall = (city: string) => ({ functionCall: { name: 'get_weather', args: { city } } });

/** The chat completion the Gemini adapter makes of an answer of these parts; `one`: only the first call kept (a client's parallel_tool_calls false). */
export function parsedParts(parts: object[], one = false) {
  const answer = { ...raw, candidates: [{ ...raw.candidates[0], content: { role: 'model', parts } }] };
  const { completion } = geminiAdapter.parseChatResponse(answer, { model: 'gemini-2.5-flash', stream: false, clientWantsUsage: false });
  if (one) firstToolCallOnly(completion);
  return completion;
}
