/**
 * Tool call ids carry Gemini's thought signature and Gemini's own call id. Gemini 3 answers 400
 * ("Function call is missing a thought_signature") when a function call in the history comes back
 * without the signature it was issued with, and it gives every functionCall an `id` it wants back
 * on the call and on the functionResponse answering it (the only thing that tells apart the results
 * of two parallel calls of one function; a mismatch is a 400). An OpenAI client only reliably
 * returns two things about a tool call: its id and its function. So both ride inside the id, which
 * stays `[A-Za-z0-9_-]`, and the gateway needs no state to restore them:
 * `call_<random>[__fc_<Gemini's id, hex>][__ts_<signature, base64url>]`. Hex has no `_`, so the
 * first `__ts_` is always the signature's mark.
 */
const MARK = '__ts_';
const ID_MARK = '__fc_';
/** Longer call ids than this are not carried (Gemini's are a dozen characters; a huge one would bloat every later request). */
const MAX_GEMINI_ID = 256;

export function makeToolCallId(signature?: string, geminiId?: unknown): string {
  const rand = crypto.randomUUID().replace(/-/g, '').slice(0, 24);
  const carried = typeof geminiId === 'string' && geminiId !== '' && geminiId.length <= MAX_GEMINI_ID ? `${ID_MARK}${Buffer.from(geminiId, 'utf8').toString('hex')}` : '';
  return signature ? `call_${rand}${carried}${MARK}${toBase64Url(signature)}` : `call_${rand}${carried}`;
}

/** The thought signature a tool call id carries, if any (standard base64, as Gemini sends it). */
export function signatureFromToolCallId(id: string): string | undefined {
  const at = id.indexOf(MARK);
  if (at === -1) return undefined;
  const encoded = id.slice(at + MARK.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  return fromBase64Url(encoded);
}

/** Gemini's own id of the call a tool call id stands for, if it carries one (makeToolCallId). */
export function geminiIdFromToolCallId(id: string): string | undefined {
  const at = id.indexOf(MARK);
  const m = /^call_[0-9a-f]+__fc_((?:[0-9a-f]{2})+)$/.exec(at === -1 ? id : id.slice(0, at));
  return m ? Buffer.from(m[1]!, 'hex').toString('utf8') : undefined;
}

function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return b64 + '='.repeat((4 - (b64.length % 4)) % 4);
}
