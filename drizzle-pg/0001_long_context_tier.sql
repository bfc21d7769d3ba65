ALTER TABLE "models" ADD COLUMN "long_context_threshold" bigint;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "long_context_input_price" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "long_context_cached_input_price" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "long_context_cache_write_price" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "long_context_output_price" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "long_context_reasoning_price" double precision;--> statement-breakpoint
-- Existing databases: the seeded models that genai-prices (0.1.8) lists with a long-context tier
-- get it, but only where the row still has the base prices the seed gave it (an admin's edited
-- prices are left alone, without a tier). New databases get the tier from the seed itself
-- (src/db/seed/model-prices.ts); these rows do not exist yet when this runs on them. Thresholds
-- are genai-prices' tier start + 1: a tier applies from that many prompt tokens on.
UPDATE "models" SET "long_context_threshold" = 200001, "long_context_input_price" = 2.5, "long_context_cached_input_price" = 0.25, "long_context_output_price" = 15 WHERE "id" = 'gemini-2.5-pro' AND "input_price" = 1.25 AND "cached_input_price" = 0.125 AND "cache_write_price" IS NULL AND "output_price" = 10 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "long_context_threshold" = 200001, "long_context_input_price" = 6, "long_context_cached_input_price" = 0.6, "long_context_cache_write_price" = 7.5, "long_context_output_price" = 22.5 WHERE "id" = 'claude-sonnet-4-5' AND "input_price" = 3 AND "cached_input_price" = 0.3 AND "cache_write_price" = 3.75 AND "output_price" = 15 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "long_context_threshold" = 200000, "long_context_input_price" = 2.5, "long_context_cached_input_price" = 0.4, "long_context_output_price" = 5 WHERE "id" = 'grok-4.3' AND "input_price" = 1.25 AND "cached_input_price" = 0.2 AND "cache_write_price" IS NULL AND "output_price" = 2.5 AND "reasoning_price" IS NULL;
