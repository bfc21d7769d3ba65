CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text DEFAULT 'viewer' NOT NULL,
	`must_change_password` integer DEFAULT false NOT NULL,
	`token_version` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `clients` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`revoked` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clients_key_hash_unique` ON `clients` (`key_hash`);--> statement-breakpoint
CREATE TABLE `providers` (
	`id` text PRIMARY KEY NOT NULL,
	`enabled` integer,
	`base_url` text,
	`api_key_encrypted` text,
	`api_key_last4` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `models` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`upstream_id` text NOT NULL,
	`kind` text DEFAULT 'chat' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`input_price` real DEFAULT 0 NOT NULL,
	`cached_input_price` real,
	`output_price` real DEFAULT 0 NOT NULL,
	`reasoning_price` real,
	`image_price` real,
	`context_window` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `models_provider_idx` ON `models` (`provider`);--> statement-breakpoint
CREATE TABLE `model_groups` (
	`name` text PRIMARY KEY NOT NULL,
	`strategy` text NOT NULL,
	`targets` text NOT NULL,
	`logic_level` integer,
	`primary_use` text DEFAULT '' NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `request_logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`request_id` text NOT NULL,
	`parent_request_id` text,
	`client_id` integer,
	`endpoint` text NOT NULL,
	`model_requested` text NOT NULL,
	`model` text,
	`provider` text,
	`route` text,
	`attempts` text,
	`stream` integer DEFAULT false NOT NULL,
	`status` integer NOT NULL,
	`error_type` text,
	`error` text,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`images` integer DEFAULT 0 NOT NULL,
	`estimated` integer DEFAULT false NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms` real DEFAULT 0 NOT NULL,
	`ttfb_ms` real,
	`overhead_ms` real DEFAULT 0 NOT NULL,
	`body` text
);
--> statement-breakpoint
CREATE INDEX `request_logs_created_idx` ON `request_logs` (`created_at`);--> statement-breakpoint
CREATE INDEX `request_logs_client_created_idx` ON `request_logs` (`client_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_logs_provider_created_idx` ON `request_logs` (`provider`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_logs_model_created_idx` ON `request_logs` (`model`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_logs_status_created_idx` ON `request_logs` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `usage_hourly` (
	`hour` integer NOT NULL,
	`provider` text DEFAULT '' NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`client_id` integer DEFAULT 0 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms_sum` real DEFAULT 0 NOT NULL,
	`overhead_ms_sum` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`hour`, `provider`, `model`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `stored_responses` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` integer,
	`model` text NOT NULL,
	`messages` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stored_responses_created_idx` ON `stored_responses` (`created_at`);