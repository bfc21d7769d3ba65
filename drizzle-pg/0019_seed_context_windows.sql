-- Context windows genai-prices gives none, kept by hand in the seed (SEED_CONTEXT_WINDOWS in
-- src/db/seed/model-prices.ts, each sourced from its provider's model page): a database seeded by an
-- earlier release gets them only where the window is still unknown (NULL) and the row sends its seeded
-- id to its seeded provider; a window an admin set, or a repointed row, stays as it is. New databases
-- get them from the seed.
UPDATE "models" SET "context_window" = 1048576 WHERE "id" = 'gemini-2.5-pro' AND "provider" = 'gemini' AND "upstream_id" = 'gemini-2.5-pro' AND "context_window" IS NULL;--> statement-breakpoint
UPDATE "models" SET "context_window" = 2048 WHERE "id" = 'gemini-embedding-001' AND "provider" = 'gemini' AND "upstream_id" = 'gemini-embedding-001' AND "context_window" IS NULL;--> statement-breakpoint
UPDATE "models" SET "context_window" = 480 WHERE "id" = 'imagen-3.0-generate-002' AND "provider" = 'gemini' AND "upstream_id" = 'imagen-3.0-generate-002' AND "context_window" IS NULL;--> statement-breakpoint
UPDATE "models" SET "context_window" = 480 WHERE "id" = 'imagen-4.0-generate-001' AND "provider" = 'gemini' AND "upstream_id" = 'imagen-4.0-generate-001' AND "context_window" IS NULL;
