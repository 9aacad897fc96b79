ALTER TABLE `bank_transactions` DROP COLUMN `counterpart_iban`;--> statement-breakpoint
ALTER TABLE `customers` DROP COLUMN `iban`;