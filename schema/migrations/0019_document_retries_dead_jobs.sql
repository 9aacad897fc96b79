CREATE TABLE `dead_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`job` text NOT NULL,
	`merchant_id` text,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`dead_at` text NOT NULL,
	`replayed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_jobs_message` ON `dead_jobs` (`message_id`);--> statement-breakpoint
ALTER TABLE `invoice_documents` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoice_documents` ADD `next_attempt_at` text;--> statement-breakpoint
ALTER TABLE `invoice_documents` ADD `last_error` text;