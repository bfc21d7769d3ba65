ALTER TABLE `stored_responses` ADD `provider` text;--> statement-breakpoint
ALTER TABLE `stored_responses` ADD `forwarded` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `stored_responses` ADD `response` text;--> statement-breakpoint
ALTER TABLE `stored_responses` ADD `input_items` text;