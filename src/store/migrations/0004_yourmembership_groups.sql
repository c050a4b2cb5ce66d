-- YourMembership (issue 11). GroupType.SortIndex is a double in YM's metadata (`double?`):
-- the column becomes REAL, existing whole numbers kept as they were. The group catalogue keeps
-- what POST/PUT /Ams/{ClientID}/Groups write, each setting NULL until one is written.
ALTER TABLE ym_group_type ADD COLUMN sort_index_real REAL NOT NULL DEFAULT 0;
UPDATE ym_group_type SET sort_index_real = sort_index;
ALTER TABLE ym_group_type DROP COLUMN sort_index;
ALTER TABLE ym_group_type RENAME COLUMN sort_index_real TO sort_index;

ALTER TABLE ym_group ADD COLUMN active INTEGER;
ALTER TABLE ym_group ADD COLUMN hidden INTEGER;
ALTER TABLE ym_group ADD COLUMN accessibility INTEGER;
ALTER TABLE ym_group ADD COLUMN membership INTEGER;
ALTER TABLE ym_group ADD COLUMN messaging INTEGER;
ALTER TABLE ym_group ADD COLUMN send_newsletter INTEGER;
ALTER TABLE ym_group ADD COLUMN enable_feed INTEGER;
ALTER TABLE ym_group ADD COLUMN admin_can_export_members INTEGER;
ALTER TABLE ym_group ADD COLUMN photo_approval INTEGER;
ALTER TABLE ym_group ADD COLUMN email_options_admin INTEGER;
ALTER TABLE ym_group ADD COLUMN email_options_member INTEGER;
ALTER TABLE ym_group ADD COLUMN short_description TEXT;
ALTER TABLE ym_group ADD COLUMN welcome_content TEXT;
