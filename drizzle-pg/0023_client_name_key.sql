ALTER TABLE "clients" ADD COLUMN "name_key" text;--> statement-breakpoint
CREATE INDEX "clients_name_key_idx" ON "clients" USING btree ("name_key");