CREATE TABLE "clients" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"revoked" boolean DEFAULT false NOT NULL,
	"created_at" bigint NOT NULL,
	"last_used_at" bigint,
	"team_id" bigint,
	"models" text,
	"budget_usd" double precision,
	"budget_period" text DEFAULT 'month' NOT NULL,
	"rpm" bigint,
	"tpm" bigint,
	"max_parallel" bigint,
	"expires_at" bigint,
	CONSTRAINT "clients_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "model_groups" (
	"name" text PRIMARY KEY NOT NULL,
	"strategy" text NOT NULL,
	"targets" text NOT NULL,
	"logic_level" bigint,
	"primary_use" text DEFAULT '' NOT NULL,
	"settings" text DEFAULT '{}' NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"upstream_id" text NOT NULL,
	"kind" text DEFAULT 'chat' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"input_price" double precision DEFAULT 0 NOT NULL,
	"cached_input_price" double precision,
	"output_price" double precision DEFAULT 0 NOT NULL,
	"reasoning_price" double precision,
	"image_price" double precision,
	"context_window" bigint,
	"updated_at" bigint NOT NULL,
	"cache_write_price" double precision
);
--> statement-breakpoint
CREATE TABLE "provider_keys" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"key_encrypted" text NOT NULL,
	"key_last4" text NOT NULL,
	"label" text NOT NULL,
	"weight" bigint DEFAULT 1 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" text PRIMARY KEY NOT NULL,
	"enabled" boolean,
	"base_url" text,
	"api_key_encrypted" text,
	"api_key_last4" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "request_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"created_at" bigint NOT NULL,
	"request_id" text NOT NULL,
	"parent_request_id" text,
	"client_id" bigint,
	"endpoint" text NOT NULL,
	"model_requested" text NOT NULL,
	"model" text,
	"provider" text,
	"route" text,
	"attempts" text,
	"stream" boolean DEFAULT false NOT NULL,
	"status" bigint NOT NULL,
	"error_type" text,
	"error" text,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"images" bigint DEFAULT 0 NOT NULL,
	"estimated" boolean DEFAULT false NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms" double precision DEFAULT 0 NOT NULL,
	"ttfb_ms" double precision,
	"overhead_ms" double precision DEFAULT 0 NOT NULL,
	"queue_ms" double precision,
	"body" text,
	"provider_key_id" text,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	"instance" text
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"csrf_token" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stored_responses" (
	"id" text PRIMARY KEY NOT NULL,
	"client_id" bigint,
	"model" text NOT NULL,
	"messages" text NOT NULL,
	"created_at" bigint NOT NULL,
	"provider" text,
	"forwarded" boolean DEFAULT false NOT NULL,
	"response" text,
	"input_items" text
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"models" text,
	"budget_usd" double precision,
	"budget_period" text DEFAULT 'month' NOT NULL,
	"rpm" bigint,
	"tpm" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "teams_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "usage_client_daily" (
	"day" bigint NOT NULL,
	"client_id" bigint DEFAULT 0 NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms_sum" double precision DEFAULT 0 NOT NULL,
	"overhead_ms_sum" double precision DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_client_daily_day_client_id_pk" PRIMARY KEY("day","client_id")
);
--> statement-breakpoint
CREATE TABLE "usage_client_hourly" (
	"hour" bigint NOT NULL,
	"client_id" bigint DEFAULT 0 NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms_sum" double precision DEFAULT 0 NOT NULL,
	"overhead_ms_sum" double precision DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_client_hourly_hour_client_id_pk" PRIMARY KEY("hour","client_id")
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"day" bigint NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"client_id" bigint DEFAULT 0 NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms_sum" double precision DEFAULT 0 NOT NULL,
	"overhead_ms_sum" double precision DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_daily_day_provider_model_client_id_pk" PRIMARY KEY("day","provider","model","client_id")
);
--> statement-breakpoint
CREATE TABLE "usage_hourly" (
	"hour" bigint NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"client_id" bigint DEFAULT 0 NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms_sum" double precision DEFAULT 0 NOT NULL,
	"overhead_ms_sum" double precision DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_hourly_hour_provider_model_client_id_pk" PRIMARY KEY("hour","provider","model","client_id")
);
--> statement-breakpoint
CREATE TABLE "usage_model_daily" (
	"day" bigint NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms_sum" double precision DEFAULT 0 NOT NULL,
	"overhead_ms_sum" double precision DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_model_daily_day_provider_model_pk" PRIMARY KEY("day","provider","model")
);
--> statement-breakpoint
CREATE TABLE "usage_model_hourly" (
	"hour" bigint NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms_sum" double precision DEFAULT 0 NOT NULL,
	"overhead_ms_sum" double precision DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_model_hourly_hour_provider_model_pk" PRIMARY KEY("hour","provider","model")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text DEFAULT 'viewer' NOT NULL,
	"must_change_password" boolean DEFAULT false NOT NULL,
	"token_version" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "models_provider_idx" ON "models" USING btree ("provider");--> statement-breakpoint
CREATE INDEX "provider_keys_provider_idx" ON "provider_keys" USING btree ("provider");--> statement-breakpoint
CREATE INDEX "request_logs_created_idx" ON "request_logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "request_logs_client_created_idx" ON "request_logs" USING btree ("client_id","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_provider_created_idx" ON "request_logs" USING btree ("provider","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_model_created_idx" ON "request_logs" USING btree ("model","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_status_created_idx" ON "request_logs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "stored_responses_created_idx" ON "stored_responses" USING btree ("created_at");