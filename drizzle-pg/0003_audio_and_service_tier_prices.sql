ALTER TABLE "models" ADD COLUMN "audio_input_price" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "audio_output_price" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "flex_price_multiplier" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "priority_price_multiplier" double precision;--> statement-breakpoint
-- Existing databases: OpenAI's seeded chat models get their flex (0.5, Batch API rates) and
-- priority multipliers (OpenAI's priority prices over its standard ones), but only where the row
-- still has the prices the seed gave it (an admin's edited prices are left alone, without
-- multipliers). New databases get them from the seed (src/db/seed/model-prices.ts), as they get
-- gpt-audio and gpt-audio-mini with their audio prices (the seed adds missing models on any start).
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 1.7 WHERE "id" = 'gpt-4o' AND "input_price" = 2.5 AND "cached_input_price" = 1.25 AND "output_price" = 10 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 1.6666666666666667 WHERE "id" = 'gpt-4o-mini' AND "input_price" = 0.15 AND "cached_input_price" = 0.075 AND "output_price" = 0.6 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 1.75 WHERE "id" = 'gpt-4.1' AND "input_price" = 2 AND "cached_input_price" = 0.5 AND "output_price" = 8 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 1.75 WHERE "id" = 'gpt-4.1-mini' AND "input_price" = 0.4 AND "cached_input_price" = 0.1 AND "output_price" = 1.6 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 2 WHERE "id" = 'gpt-5' AND "input_price" = 1.25 AND "cached_input_price" = 0.125 AND "output_price" = 10 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 1.8 WHERE "id" = 'gpt-5-mini' AND "input_price" = 0.25 AND "cached_input_price" = 0.025 AND "output_price" = 2 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 2 WHERE "id" = 'gpt-5.4-mini' AND "input_price" = 0.75 AND "cached_input_price" = 0.075 AND "output_price" = 4.5 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5 WHERE "id" = 'gpt-5.4-nano' AND "input_price" = 0.2 AND "cached_input_price" = 0.02 AND "output_price" = 1.25 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 1.75 WHERE "id" = 'o3' AND "input_price" = 2 AND "cached_input_price" = 0.5 AND "output_price" = 8 AND "reasoning_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "flex_price_multiplier" = 0.5, "priority_price_multiplier" = 1.8181818181818181 WHERE "id" = 'o4-mini' AND "input_price" = 1.1 AND "cached_input_price" = 0.275 AND "output_price" = 4.4 AND "reasoning_price" IS NULL;
