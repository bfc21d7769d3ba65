-- The seeded per-image prices of the two token-billed image models were their providers' rounded
-- list prices, not what they bill (src/db/seed/model-prices.ts IMAGE_PRICE): gpt-image-1 $0.042
-- against 1056 image tokens at $40 per 1M = $0.04224 (every image, billed by its tokens over 1056,
-- 0.57% short), gemini-2.5-flash-image $0.039 against 1290 tokens at $30 per 1M = $0.0387 (0.78%
-- over). Only where the row sends its seeded id and still has the seeded price: a price an admin
-- changed, or a row repointed, stays as it is.
UPDATE "models" SET "image_price" = 0.04224 WHERE "id" = 'gpt-image-1' AND "provider" = 'openai' AND "upstream_id" = 'gpt-image-1' AND "image_price" = 0.042;--> statement-breakpoint
UPDATE "models" SET "image_price" = 0.0387 WHERE "id" = 'gemini-2.5-flash-image' AND "provider" = 'gemini' AND "upstream_id" = 'gemini-2.5-flash-image' AND "image_price" = 0.039;
