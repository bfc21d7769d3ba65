ALTER TABLE "teams" ADD COLUMN "name_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "teams_name_key_uq" ON "teams" USING btree ("name_key");