/**
 * Tool call ids carry Gemini's thought signature. Gemini 3 answers 400 ("Function call is
 * missing a thought_signature") when a function call in the history comes back without the
 * signature it was issued with, and an OpenAI client only reliably returns two things about a
 * tool call: its id and its function. So the signature rides inside the id, base64url so the
 * id stays `[A-Za-z0-9_-]`, and the gateway needs no state to restore it.
 */
const MARK = '__ts_';

export function makeToolCallId(signature?: string): string {
  const rand = crypto.randomUUID().replace(/-/g, '').slice(0, 24);
  return signature ? `call_${rand}${MARK}${toBase64Url(signature)}` : `call_${rand}`;
}

/** The thought signature a tool call id carries, if any (standard base64, as Gemini sends it). */
export function signatureFromToolCallId(id: string): string | undefined {
  const at = id.indexOf(MARK);
  if (at === -1) return undefined;
  const encoded = id.slice(at + MARK.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  return fromBase64Url(encoded);
}

function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return b64 + '='.repeat((4 - (b64.length % 4)) % 4);
}
