-- Existing databases: the seeded Gemini models whose audio input Google prices apart (genai-prices'
-- input_audio_mtok) get that price, billed on the prompt's AUDIO tokens (src/usage/gemini-usage.ts),
-- but only where the row still has the prices the seed gave it and no audio price (an admin's
-- edited prices are left alone). New databases get it from the seed (src/db/seed/model-prices.ts).
UPDATE "models" SET "audio_input_price" = 0.7 WHERE "id" = 'gemini-2.0-flash' AND "input_price" = 0.1 AND "cached_input_price" = 0.025 AND "output_price" = 0.4 AND "audio_input_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "audio_input_price" = 1 WHERE "id" = 'gemini-2.5-flash' AND "input_price" = 0.3 AND "cached_input_price" = 0.03 AND "output_price" = 2.5 AND "audio_input_price" IS NULL;--> statement-breakpoint
UPDATE "models" SET "audio_input_price" = 1 WHERE "id" = 'gemini-3-flash-preview' AND "input_price" = 0.5 AND "cached_input_price" = 0.05 AND "output_price" = 3 AND "audio_input_price" IS NULL;
