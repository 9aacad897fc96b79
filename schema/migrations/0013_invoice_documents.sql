CREATE TABLE `company_settings` (
	`merchant_id` text PRIMARY KEY NOT NULL,
	`legal_name` text NOT NULL,
	`address` text NOT NULL,
	`vat_id` text,
	`tax_number` text,
	`email` text NOT NULL,
	`phone` text,
	`register_entry` text,
	`managing_directors` text,
	`small_business` integer DEFAULT false NOT NULL,
	`iban` text,
	`bic` text,
	`logo_sha256` text,
	`logo_content_type` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `invoice_documents` (
	`merchant_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`format` text NOT NULL,
	`object_key` text NOT NULL,
	`sha256` text,
	`size` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`stored_at` text,
	PRIMARY KEY(`invoice_id`, `format`),
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `invoice_documents_pending` ON `invoice_documents` (`stored_at`,`created_at`);--> statement-breakpoint
ALTER TABLE `customers` ADD `kind` text DEFAULT 'consumer' NOT NULL;--> statement-breakpoint
ALTER TABLE `customers` ADD `billing_address` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `vat_id` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `buyer_reference` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `document_snapshot` text;