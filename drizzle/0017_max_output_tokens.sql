-- The most output tokens a model writes per answer: a request asking for more is sent with this many
-- (src/proxy/output-limit.ts) instead of the upstream's 400. Existing databases: the seeded models whose
-- limit is known get it (the numbers of SEED_MAX_OUTPUT_TOKENS in src/db/seed/model-prices.ts) where the
-- row still sends the seeded id to its seeded provider; new databases get it from the seed.
ALTER TABLE `models` ADD `max_output_tokens` integer;--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 16384 WHERE `id` = 'gpt-4o' AND `provider` = 'openai' AND `upstream_id` = 'gpt-4o';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 16384 WHERE `id` = 'gpt-4o-mini' AND `provider` = 'openai' AND `upstream_id` = 'gpt-4o-mini';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 32768 WHERE `id` = 'gpt-4.1' AND `provider` = 'openai' AND `upstream_id` = 'gpt-4.1';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 32768 WHERE `id` = 'gpt-4.1-mini' AND `provider` = 'openai' AND `upstream_id` = 'gpt-4.1-mini';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 128000 WHERE `id` = 'gpt-5' AND `provider` = 'openai' AND `upstream_id` = 'gpt-5';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 128000 WHERE `id` = 'gpt-5-mini' AND `provider` = 'openai' AND `upstream_id` = 'gpt-5-mini';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 100000 WHERE `id` = 'o3' AND `provider` = 'openai' AND `upstream_id` = 'o3';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 100000 WHERE `id` = 'o4-mini' AND `provider` = 'openai' AND `upstream_id` = 'o4-mini';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 8192 WHERE `id` = 'gemini-2.0-flash' AND `provider` = 'gemini' AND `upstream_id` = 'gemini-2.0-flash';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 65536 WHERE `id` = 'gemini-2.5-flash' AND `provider` = 'gemini' AND `upstream_id` = 'gemini-2.5-flash';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 65536 WHERE `id` = 'gemini-2.5-pro' AND `provider` = 'gemini' AND `upstream_id` = 'gemini-2.5-pro';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 65536 WHERE `id` = 'gemini-3-flash-preview' AND `provider` = 'gemini' AND `upstream_id` = 'gemini-3-flash-preview';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 8192 WHERE `id` = 'deepseek-chat' AND `provider` = 'deepseek' AND `upstream_id` = 'deepseek-chat';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 64000 WHERE `id` = 'deepseek-reasoner' AND `provider` = 'deepseek' AND `upstream_id` = 'deepseek-reasoner';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 128000 WHERE `id` = 'claude-opus-4-6' AND `provider` = 'anthropic' AND `upstream_id` = 'claude-opus-4-6';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 64000 WHERE `id` = 'claude-opus-4-5' AND `provider` = 'anthropic' AND `upstream_id` = 'claude-opus-4-5';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 64000 WHERE `id` = 'claude-sonnet-4-5' AND `provider` = 'anthropic' AND `upstream_id` = 'claude-sonnet-4-5';--> statement-breakpoint
UPDATE `models` SET `max_output_tokens` = 64000 WHERE `id` = 'claude-haiku-4-5' AND `provider` = 'anthropic' AND `upstream_id` = 'claude-haiku-4-5';
