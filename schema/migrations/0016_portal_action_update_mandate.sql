-- Custom SQL migration file, put your code below! --
-- The portal action update_mandate (a new SEPA mandate in the portal) is on by default: merchants
-- created before it existed get it added to their allowed actions, once.
UPDATE `merchants` SET `allowed_actions` = json_insert(`allowed_actions`, '$[#]', 'update_mandate')
WHERE NOT EXISTS (SELECT 1 FROM json_each(`merchants`.`allowed_actions`) WHERE json_each.value = 'update_mandate');
