/**
 * The error codes the gateway itself gives (README's table of `code`s, and those of its rows: a
 * client that left, a stream that stalled, a classifier that timed out). /metrics always labels
 * them as they are: the error_type label keeps the first MAX_ERROR_TYPES other values (an
 * upstream's own codes), and an upstream inventing many must not fold `budget_exceeded` or
 * `circuit_open` into `other`, where an alert on them would go blind.
 */
export const OWN_ERROR_CODES: ReadonlySet<string> = new Set([
  'error', 'server_error',
  'invalid_request', 'invalid_json', 'unknown_field', 'invalid_encoding', 'unsupported_content_type', 'unsupported_content_encoding',
  'invalid_model', 'invalid_host', 'invalid_image_url', 'image_too_large', 'invalid_document_url', 'document_too_large', 'embeddings_not_supported', 'invalid_input',
  'unsupported_parameter', 'unsupported_value', 'thread_unsupported_request', 'model_not_supported', 'model_not_image', 'images_not_supported',
  'unsupported_tool', 'unsupported_tool_choice', 'unsupported_tool_schema', 'context_length_exceeded', 'unsupported_content', 'invalid_image_format',
  'unsupported_input_item', 'unsupported_input_image', 'unsupported_input_file', 'content_policy_violation', 'invalid_value',
  'item_not_found', 'previous_response_not_found', 'invalid_api_key', 'key_expired', 'model_not_allowed', 'model_not_priced',
  'model_not_found', 'request_timeout', 'length_required', 'request_too_large', 'rate_limit_exceeded', 'concurrency_limit_exceeded',
  'budget_exceeded', 'too_many_connections', 'upstream_error', 'upstream_unreachable', 'upstream_auth_failed',
  'upstream_region_refused', 'upstream_redirect', 'circuit_open', 'no_available_target', 'overloaded', 'limits_unavailable',
  'store_unavailable', 'store_busy', 'upstream_timeout', 'group_cycle', 'group_depth_exceeded', 'internal_error',
  'provider_disabled', 'shutting_down', 'client_closed_request', 'client_read_timeout', 'classifier_timeout', 'no_image',
]);
