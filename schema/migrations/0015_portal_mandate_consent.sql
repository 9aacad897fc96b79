ALTER TABLE `sepa_mandates` ADD `source` text DEFAULT 'merchant' NOT NULL;--> statement-breakpoint
ALTER TABLE `sepa_mandates` ADD `consent_at` text;--> statement-breakpoint
ALTER TABLE `sepa_mandates` ADD `consent_text_version` text;