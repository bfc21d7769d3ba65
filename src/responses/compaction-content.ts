/**
 * A compaction the gateway made for a bridged model (POST /v1/responses/compact, bridged-compaction.ts)
 * rides in OpenAI's `compaction` item as its `encrypted_content`: `gg-compaction-v1:` and the
 * summary's JSON in base64. Not encrypted (it is the client's own conversation, summarised), only
 * opaque as OpenAI's is. Given back as input, it becomes the summary as text for the model: a user
 * message on a bridged model (input-to-messages.ts), and the same message item for a provider's own
 * Responses API (thinking-content.ts withoutBridgedItems), which cannot read it as a compaction.
 */
const PREFIX = 'gg-compaction-v1:';

/** The item types OpenAI and Codex give a compaction (Codex reads `compaction_summary` as its older name). */
export const isCompactionType = (type: unknown): boolean => type === 'compaction' || type === 'compaction_summary';

/** What a summary is introduced with when the model reads it. */
const LEAD = 'Summary of the earlier conversation (it was compacted; continue from here):\n\n';

export function encodeCompaction(summary: string): string {
  return PREFIX + Buffer.from(JSON.stringify({ summary })).toString('base64');
}

/** The summary in a compaction item's encrypted_content, or null when it is none of ours (OpenAI's). */
export function decodeCompaction(encrypted: unknown): string | null {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(PREFIX)) return null;
  try {
    const summary = JSON.parse(Buffer.from(encrypted.slice(PREFIX.length), 'base64').toString('utf8'))?.summary;
    return typeof summary === 'string' ? summary : null;
  } catch {
    return null;
  }
}

/** The text a model reads for a compaction summary. */
export const summaryText = (summary: string): string => LEAD + summary;

/** Whether an input item is a compaction item holding our encoding. */
export const isBridgedCompaction = (item: unknown): boolean => {
  const it = item as { type?: unknown; encrypted_content?: unknown } | null;
  return isCompactionType(it?.type) && typeof it!.encrypted_content === 'string' && it!.encrypted_content.startsWith(PREFIX);
};

/** Our compaction item as the user message item holding its summary (a provider's own Responses API reads that). */
export function compactionAsMessage(item: { encrypted_content?: unknown }): { type: 'message'; role: 'user'; content: { type: 'input_text'; text: string }[] } {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text: summaryText(decodeCompaction(item.encrypted_content) ?? '') }] };
}
