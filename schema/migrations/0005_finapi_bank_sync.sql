CREATE TABLE `bank_transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`connection_id` text NOT NULL,
	`finapi_user_id` text NOT NULL,
	`finapi_key` text NOT NULL,
	`finapi_id` integer,
	`account_id` integer,
	`amount` integer,
	`currency` text,
	`booking_date` text,
	`value_date` text,
	`finapi_booking_date` text,
	`import_date` text,
	`purpose` text,
	`booking_text` text,
	`counterpart_name` text,
	`counterpart_iban` text,
	`counterpart_bic` text,
	`counterpart_account_number` text,
	`counterpart_blz` text,
	`counterpart_bank_name` text,
	`counterpart_mandate_reference` text,
	`counterpart_creditor_id` text,
	`counterpart_debitor_id` text,
	`counterpart_customer_reference` text,
	`end_to_end_reference` text,
	`type_code_zka` text,
	`type_code_swift` text,
	`sepa_purpose_code` text,
	`bank_transaction_code` text,
	`original_amount` integer,
	`original_currency` text,
	`compensation_amount` integer,
	`fee_amount` integer,
	`fee_currency` text,
	`status` text NOT NULL,
	`status_reason` text,
	`matched_rule` text,
	`raw_excerpt` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`connection_id`) REFERENCES `finapi_bank_connections`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_transactions_finapi` ON `bank_transactions` (`merchant_id`,`finapi_user_id`,`finapi_key`);--> statement-breakpoint
CREATE INDEX `bank_transactions_merchant` ON `bank_transactions` (`merchant_id`,`id`);--> statement-breakpoint
CREATE INDEX `bank_transactions_status` ON `bank_transactions` (`merchant_id`,`status`,`id`);--> statement-breakpoint
CREATE TABLE `finapi_bank_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`finapi_user_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`web_form_id` text NOT NULL,
	`web_form_url` text NOT NULL,
	`web_form_expires_at` text,
	`callback_token_hash` text,
	`finapi_connection_id` integer,
	`bank_name` text,
	`accounts` text NOT NULL,
	`error_code` text,
	`error_message` text,
	`sync_cursor` text,
	`last_sync_at` text,
	`last_sync_attempt_at` text,
	`sync_status` text DEFAULT 'never' NOT NULL,
	`sync_error_code` text,
	`sync_error_message` text,
	`sync_failures` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`completed_at` text,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `finapi_bank_connections_merchant` ON `finapi_bank_connections` (`merchant_id`,`id`);--> statement-breakpoint
CREATE INDEX `finapi_bank_connections_status` ON `finapi_bank_connections` (`status`,`merchant_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `finapi_bank_connections_callback` ON `finapi_bank_connections` (`callback_token_hash`);--> statement-breakpoint
CREATE TABLE `finapi_settings` (
	`merchant_id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`client_secret_ciphertext` text NOT NULL,
	`environment` text NOT NULL,
	`base_url` text,
	`web_form_base_url` text,
	`user_id` text,
	`user_password_ciphertext` text,
	`user_created_at` text,
	`sync_lease_until` text,
	`sync_attempted_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sepa_collection_files` (
	`run_id` text NOT NULL,
	`part` integer NOT NULL,
	`merchant_id` text NOT NULL,
	`ciphertext` text NOT NULL,
	PRIMARY KEY(`run_id`, `part`),
	FOREIGN KEY (`run_id`) REFERENCES `sepa_collection_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sepa_collection_items` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`mandate_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`mandate_reference` text NOT NULL,
	`mandate_reference_key` text NOT NULL,
	`end_to_end_id` text NOT NULL,
	`invoice_number` text NOT NULL,
	`amount` integer NOT NULL,
	`sequence_type` text NOT NULL,
	`payment_info_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`settled_at` text,
	`returned_at` text,
	`return_reason_code` text,
	`previous_last_collection_date` text,
	`amended_from_reference` text,
	`amended_from_iban_ciphertext` text,
	`amended_bank_changed` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`run_id`) REFERENCES `sepa_collection_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`mandate_id`) REFERENCES `sepa_mandates`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "sepa_collection_items_amount" CHECK(amount > 0)
);
--> statement-breakpoint
CREATE INDEX `sepa_collection_items_run` ON `sepa_collection_items` (`run_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `sepa_collection_items_pending_invoice` ON `sepa_collection_items` (`invoice_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `sepa_collection_items_e2e` ON `sepa_collection_items` (`merchant_id`,`end_to_end_id`);--> statement-breakpoint
CREATE INDEX `sepa_collection_items_mandate` ON `sepa_collection_items` (`merchant_id`,`mandate_reference_key`,`amount`);--> statement-breakpoint
CREATE INDEX `sepa_collection_items_pmtinf` ON `sepa_collection_items` (`merchant_id`,`payment_info_id`);--> statement-breakpoint
CREATE TABLE `sepa_collection_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`collection_date` text NOT NULL,
	`message_id` text NOT NULL,
	`creation_date_time` text NOT NULL,
	`number_of_transactions` integer NOT NULL,
	`control_sum` integer NOT NULL,
	`currency` text DEFAULT 'EUR' NOT NULL,
	`payment_infos` text NOT NULL,
	`creditor_name` text NOT NULL,
	`creditor_id` text NOT NULL,
	`creditor_iban_masked` text NOT NULL,
	`file_parts` integer NOT NULL,
	`file_sha256` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`completed_at` text,
	`cancelled_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sepa_collection_runs_message` ON `sepa_collection_runs` (`merchant_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `sepa_collection_runs_merchant` ON `sepa_collection_runs` (`merchant_id`,`status`,`id`);--> statement-breakpoint
CREATE TABLE `sepa_creditors` (
	`merchant_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`iban_ciphertext` text NOT NULL,
	`iban_masked` text NOT NULL,
	`bic` text,
	`creditor_id` text NOT NULL,
	`lead_days` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sepa_mandates` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`reference` text NOT NULL,
	`reference_key` text NOT NULL,
	`signature_date` text NOT NULL,
	`iban_ciphertext` text NOT NULL,
	`iban_masked` text NOT NULL,
	`iban_country` text NOT NULL,
	`bic` text,
	`debtor_name` text,
	`status` text DEFAULT 'active' NOT NULL,
	`status_reason` text,
	`next_sequence_type` text DEFAULT 'FRST' NOT NULL,
	`last_collection_date` text,
	`amended_from_reference` text,
	`amended_from_iban_ciphertext` text,
	`amended_bank_changed` integer DEFAULT false NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	`revoked_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sepa_mandates_reference` ON `sepa_mandates` (`merchant_id`,`reference_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `sepa_mandates_one_active` ON `sepa_mandates` (`merchant_id`,`customer_id`) WHERE status = 'active';--> statement-breakpoint
CREATE INDEX `sepa_mandates_customer` ON `sepa_mandates` (`merchant_id`,`customer_id`,`id`);