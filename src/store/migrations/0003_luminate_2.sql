-- Luminate Online, issue 10: what the method pages and browser clients need beyond the first
-- schema. Self-contained: only lum_* tables change.

-- The site's "Allow JavaScript/Flash API from these domains" list (JSON array of strings),
-- answered with CORS headers on the client servlets.
ALTER TABLE lum_site ADD COLUMN cors_domains TEXT NOT NULL DEFAULT '[]';

-- getGroupInfo / listGroups records: a group's description and group type.
ALTER TABLE lum_group ADD COLUMN description TEXT;
ALTER TABLE lum_group ADD COLUMN type_id INTEGER;
ALTER TABLE lum_group ADD COLUMN type_name TEXT;

-- Group Management rights (the Group API); NULL: the same as api_admin.
ALTER TABLE lum_cons ADD COLUMN group_management INTEGER;
