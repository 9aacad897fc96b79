ALTER TABLE `invoice_documents` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoice_documents` ADD `next_attempt_at` text;--> statement-breakpoint
ALTER TABLE `invoice_documents` ADD `last_error` text;