import { isToolResultMedia, markToolResultMedia } from '../providers/shared/tool-result-media';
import { markRemoteFile, remoteFileOf, type RemoteFile } from '../providers/shared/remote-file';

/**
 * A stored bridged conversation's chat messages as JSON and back (read by a later
 * `previous_response_id` follow-up, perhaps on another instance). The marks a translated part
 * carries are symbols, which JSON.stringify leaves out; the ones a follow-up needs go along as
 * plain fields and are made marks again: a tool result's image or document (TOOL_RESULT_MEDIA),
 * and a document given by URL (remote-file.ts), whose part has no data without its mark.
 */
const TOOL_RESULT_MEDIA_FIELD = 'gophergate_tool_result_media';
const REMOTE_FILE_FIELD = 'gophergate_remote_file';

export const messagesToJson = (messages: unknown): string =>
  JSON.stringify(messages, (_key, value) => {
    if (!value || typeof value !== 'object') return value;
    const remote = remoteFileOf(value);
    const media = isToolResultMedia(value);
    if (!remote && !media) return value;
    return { ...value, ...(media && { [TOOL_RESULT_MEDIA_FIELD]: true }), ...(remote && { [REMOTE_FILE_FIELD]: remote }) };
  });

/** messagesToJson's text back to messages, the marked parts marked again. */
export const messagesFromJson = (text: string): any =>
  JSON.parse(text, (_key, value) => {
    if (!value || typeof value !== 'object') return value;
    if (value[TOOL_RESULT_MEDIA_FIELD] === true) {
      delete value[TOOL_RESULT_MEDIA_FIELD];
      markToolResultMedia(value);
    }
    const remote = value[REMOTE_FILE_FIELD] as RemoteFile | undefined;
    if (remote && typeof remote.url === 'string' && typeof remote.where === 'string') {
      delete value[REMOTE_FILE_FIELD];
      markRemoteFile(value, { url: remote.url, where: remote.where });
    }
    return value;
  });
