// Moved to src/routing/model-name.ts (images/, embeddings/, responses/ and proxy/ check model
// names too, and must not import api/). Kept so branches written against the old path still build.
export { MAX_MODEL_CHARS, checkModelName, modelForLog } from '../routing/model-name';
