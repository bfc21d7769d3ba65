-- One secret once per provider pool (key_fingerprint, filled at start for older rows) and one username in any case.
-- Users that already share a name up to case keep it: each but the oldest gets its own id in username_clash, so the index builds.
ALTER TABLE `users` ADD `username_clash` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `users` SET `username_clash` = `id` WHERE EXISTS (SELECT 1 FROM `users` AS `older` WHERE lower(`older`.`username`) = lower(`users`.`username`) AND `older`.`id` < `users`.`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_lower_uq` ON `users` (lower("username"),`username_clash`);--> statement-breakpoint
ALTER TABLE `provider_keys` ADD `key_fingerprint` text;--> statement-breakpoint
CREATE UNIQUE INDEX `provider_keys_provider_fingerprint_uq` ON `provider_keys` (`provider`,`key_fingerprint`);
