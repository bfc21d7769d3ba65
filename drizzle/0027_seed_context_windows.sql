-- Context windows genai-prices gives none, kept by hand in the seed (SEED_CONTEXT_WINDOWS in
-- src/db/seed/model-prices.ts, each sourced from its provider's model page): a database seeded by an
-- earlier release gets them only where the window is still unknown (NULL) and the row sends its seeded
-- id to its seeded provider; a window an admin set, or a repointed row, stays as it is. New databases
-- get them from the seed.
UPDATE `models` SET `context_window` = 1048576 WHERE `id` = 'gemini-2.5-pro' AND `provider` = 'gemini' AND `upstream_id` = 'gemini-2.5-pro' AND `context_window` IS NULL;
