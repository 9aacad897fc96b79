-- bank_transactions becomes provider-neutral: `provider` (every existing row came from finAPI),
-- `provider_scope` (was finapi_user_id), `provider_transaction_id` (was finapi_key),
-- `provider_sequence` (was finapi_id), `provider_booking_date` (was finapi_booking_date), and no
-- foreign key to finAPI's connections. SQLite cannot drop a foreign key, so the table is rebuilt
-- and every row copied; the tables referencing bank_transactions(id) keep pointing at the same ids.
-- Then finAPI connections gain what unattended updates, consent renewal and backlogs need.
-- (Written by hand because drizzle-kit asks interactively about renames; the snapshot is
-- drizzle-kit's own output for schema/*.ts.)
PRAGMA defer_foreign_keys = on;
--> statement-breakpoint
CREATE TABLE `__new_bank_transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`provider` text NOT NULL,
	`connection_id` text NOT NULL,
	`provider_scope` text NOT NULL,
	`provider_transaction_id` text NOT NULL,
	`provider_sequence` integer,
	`account_id` integer,
	`amount` integer,
	`currency` text,
	`booking_date` text,
	`value_date` text,
	`provider_booking_date` text,
	`import_date` text,
	`purpose` text,
	`booking_text` text,
	`counterpart_name` text,
	`counterpart_iban_ciphertext` text,
	`counterpart_iban_masked` text,
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
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);;
--> statement-breakpoint
INSERT INTO `__new_bank_transactions` (`id`, `merchant_id`, `provider`, `connection_id`, `provider_scope`, `provider_transaction_id`, `provider_sequence`, `account_id`, `amount`, `currency`, `booking_date`, `value_date`, `provider_booking_date`, `import_date`, `purpose`, `booking_text`, `counterpart_name`, `counterpart_iban_ciphertext`, `counterpart_iban_masked`, `counterpart_bic`, `counterpart_account_number`, `counterpart_blz`, `counterpart_bank_name`, `counterpart_mandate_reference`, `counterpart_creditor_id`, `counterpart_debitor_id`, `counterpart_customer_reference`, `end_to_end_reference`, `type_code_zka`, `type_code_swift`, `sepa_purpose_code`, `bank_transaction_code`, `original_amount`, `original_currency`, `compensation_amount`, `fee_amount`, `fee_currency`, `status`, `status_reason`, `matched_rule`, `raw_excerpt`, `created_at`, `updated_at`)
SELECT `id`, `merchant_id`, 'finapi', `connection_id`, `finapi_user_id`, `finapi_key`, `finapi_id`, `account_id`, `amount`, `currency`, `booking_date`, `value_date`, `finapi_booking_date`, `import_date`, `purpose`, `booking_text`, `counterpart_name`, `counterpart_iban_ciphertext`, `counterpart_iban_masked`, `counterpart_bic`, `counterpart_account_number`, `counterpart_blz`, `counterpart_bank_name`, `counterpart_mandate_reference`, `counterpart_creditor_id`, `counterpart_debitor_id`, `counterpart_customer_reference`, `end_to_end_reference`, `type_code_zka`, `type_code_swift`, `sepa_purpose_code`, `bank_transaction_code`, `original_amount`, `original_currency`, `compensation_amount`, `fee_amount`, `fee_currency`, `status`, `status_reason`, `matched_rule`, `raw_excerpt`, `created_at`, `updated_at` FROM `bank_transactions`;
--> statement-breakpoint
DROP TABLE `bank_transactions`;
--> statement-breakpoint
ALTER TABLE `__new_bank_transactions` RENAME TO `bank_transactions`;
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_transactions_provider` ON `bank_transactions` (`merchant_id`,`provider`,`provider_scope`,`provider_transaction_id`);
--> statement-breakpoint
CREATE INDEX `bank_transactions_merchant` ON `bank_transactions` (`merchant_id`,`id`);
--> statement-breakpoint
CREATE INDEX `bank_transactions_status` ON `bank_transactions` (`merchant_id`,`status`,`id`);
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `consent_expires_at` text;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `consent_notice` text;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `update_requested_at` text;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `updates_day` text;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `updates_on_day` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `update_sent_at` text;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `backlog_page` integer;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `backlog_window` text;
--> statement-breakpoint
ALTER TABLE `finapi_bank_connections` ADD `backlog_started_at` text;
--> statement-breakpoint
ALTER TABLE `finapi_settings` ADD `consent_warning_days` integer DEFAULT 7 NOT NULL;
--> statement-breakpoint
PRAGMA defer_foreign_keys = off;
