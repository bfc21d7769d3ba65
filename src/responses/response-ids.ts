/** Ids in OpenAI's style (`resp_…`, `msg_…`, `fc_…`, `rs_…`, `call_…`): a prefix and 48 hex digits. */
export function newId(prefix: 'resp' | 'msg' | 'fc' | 'rs' | 'call'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${prefix}_${hex}`;
}
