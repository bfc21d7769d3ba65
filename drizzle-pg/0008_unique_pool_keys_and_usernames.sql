-- One secret once per provider pool (key_fingerprint, filled at start for older rows) and one username in any case.
-- Users that already share a name up to case keep it: each but the oldest gets its own id in username_clash, so the index builds.
ALTER TABLE "provider_keys" ADD COLUMN "key_fingerprint" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "username_clash" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "users" SET "username_clash" = "id" WHERE EXISTS (SELECT 1 FROM "users" AS "older" WHERE lower("older"."username") = lower("users"."username") AND "older"."id" < "users"."id");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_keys_provider_fingerprint_uq" ON "provider_keys" USING btree ("provider","key_fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_lower_uq" ON "users" USING btree (lower("username"),"username_clash");
