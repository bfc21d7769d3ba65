/** Ids in OpenAI's style (`resp_…`, `msg_…`, `fc_…`, `rs_…`, `call_…`, a compaction's `cmp_…`): a prefix and 48 hex digits. */
export function newId(prefix: 'resp' | 'msg' | 'fc' | 'rs' | 'call' | 'cmp'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${prefix}_${hex}`;
}

/**
 * The id of the output item at `outputIndex` of the bridged response `responseId`: its prefix,
 * the response's 48 hex digits, then the index (two or more hex digits). An `item_reference` to
 * it so leads back to the stored response that holds it (responseOfItem).
 */
export function outputItemId(prefix: 'msg' | 'fc' | 'ctc' | 'rs', responseId: string, outputIndex: number): string {
  return `${prefix}_${responseId.slice('resp_'.length)}${outputIndex.toString(16).padStart(2, '0')}`;
}

/** The response an outputItemId belongs to, or null for an id made otherwise. */
export function responseOfItem(itemId: string): string | null {
  const hex = /^(?:msg|fc|ctc|rs)_([0-9a-f]{48})[0-9a-f]{2,}$/.exec(itemId)?.[1];
  return hex ? `resp_${hex}` : null;
}
