-- Anthropic's fast mode and US-only inference bill every token price (cache reads and writes included)
-- times a per-model multiplier when the answer's usage says it ran so (`speed: "fast"`,
-- `inference_geo: "us"`). Existing databases: the seeded Claude models get Anthropic's published
-- multipliers (FAST_MULTIPLIER and US_INFERENCE_MULTIPLIER in src/db/seed/model-prices.ts) where the
-- row still sends the seeded id to Anthropic; new databases get them from the seed.
ALTER TABLE "models" ADD COLUMN "fast_price_multiplier" double precision;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "us_inference_price_multiplier" double precision;--> statement-breakpoint
UPDATE "models" SET "fast_price_multiplier" = 6, "us_inference_price_multiplier" = 1.1 WHERE "id" = 'claude-opus-4-7' AND "provider" = 'anthropic' AND "upstream_id" = 'claude-opus-4-7';--> statement-breakpoint
UPDATE "models" SET "fast_price_multiplier" = 6, "us_inference_price_multiplier" = 1.1 WHERE "id" = 'claude-opus-4-6' AND "provider" = 'anthropic' AND "upstream_id" = 'claude-opus-4-6';--> statement-breakpoint
UPDATE "models" SET "us_inference_price_multiplier" = 1.1 WHERE "id" = 'claude-sonnet-4-6' AND "provider" = 'anthropic' AND "upstream_id" = 'claude-sonnet-4-6';
