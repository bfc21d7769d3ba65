/**
 * The names the Responses and chat tests have long used for OpenAI's schemas, now all checked by
 * the one Ajv validator over OpenAI's vendored spec (test/helpers/openai-schema.ts).
 */
import { openaiSchemaErrors, RESPONSE_EVENT_SCHEMAS } from '../helpers/openai-schema';

/** Errors of `value` against OpenAI's schema `name` (empty when valid). */
export const schemaErrors = openaiSchemaErrors;

/** The same check; kept for the chat tests that import it by this name. */
export const chatSchemaErrors = openaiSchemaErrors;

/** The event schema for a Responses stream event type. */
export const EVENT_SCHEMAS: Record<string, string> = RESPONSE_EVENT_SCHEMAS;
