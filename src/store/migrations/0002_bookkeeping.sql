-- membermock's own bookkeeping, beside the vendors' tables: what the stored state was made
-- from, and row counts kept by triggers so that the health endpoint answers in constant time
-- whatever the number of people.

-- What the state was made from (`seed_sources`, `seed_sha256`, `generate`, as JSON text).
CREATE TABLE mm_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Rows per table, plus `generation`: a number that moves with every change of vendor data
-- (sessions excepted), so that a reader taking several steps can tell the data changed
-- between them.
CREATE TABLE mm_count (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO mm_count (name, n)
    SELECT 'lum_site', count(*) FROM lum_site
    UNION ALL
    SELECT 'lum_group', count(*) FROM lum_group
    UNION ALL
    SELECT 'lum_cons', count(*) FROM lum_cons
    UNION ALL
    SELECT 'su_account', count(*) FROM su_account
    UNION ALL
    SELECT 'su_group', count(*) FROM su_group
    UNION ALL
    SELECT 'su_user', count(*) FROM su_user
    UNION ALL
    SELECT 'ym_client', count(*) FROM ym_client
    UNION ALL
    SELECT 'ym_group', count(*) FROM ym_group
    UNION ALL
    SELECT 'ym_member', count(*) FROM ym_member
    UNION ALL
    SELECT 'lum_session', count(*) FROM lum_session
    UNION ALL
    SELECT 'ym_session', count(*) FROM ym_session
    UNION ALL
    SELECT 'generation', 0;

-- Counted tables: the count and the generation.
CREATE TRIGGER mm_lum_site_insert AFTER INSERT ON lum_site BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('lum_site', 'generation');
END;
CREATE TRIGGER mm_lum_site_delete AFTER DELETE ON lum_site BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('lum_site', 'generation');
END;
CREATE TRIGGER mm_lum_site_update AFTER UPDATE ON lum_site BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_group_insert AFTER INSERT ON lum_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('lum_group', 'generation');
END;
CREATE TRIGGER mm_lum_group_delete AFTER DELETE ON lum_group BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('lum_group', 'generation');
END;
CREATE TRIGGER mm_lum_group_update AFTER UPDATE ON lum_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_cons_insert AFTER INSERT ON lum_cons BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('lum_cons', 'generation');
END;
CREATE TRIGGER mm_lum_cons_delete AFTER DELETE ON lum_cons BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('lum_cons', 'generation');
END;
CREATE TRIGGER mm_lum_cons_update AFTER UPDATE ON lum_cons BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_account_insert AFTER INSERT ON su_account BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('su_account', 'generation');
END;
CREATE TRIGGER mm_su_account_delete AFTER DELETE ON su_account BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('su_account', 'generation');
END;
CREATE TRIGGER mm_su_account_update AFTER UPDATE ON su_account BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_group_insert AFTER INSERT ON su_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('su_group', 'generation');
END;
CREATE TRIGGER mm_su_group_delete AFTER DELETE ON su_group BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('su_group', 'generation');
END;
CREATE TRIGGER mm_su_group_update AFTER UPDATE ON su_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_insert AFTER INSERT ON su_user BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('su_user', 'generation');
END;
CREATE TRIGGER mm_su_user_delete AFTER DELETE ON su_user BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('su_user', 'generation');
END;
CREATE TRIGGER mm_su_user_update AFTER UPDATE ON su_user BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_client_insert AFTER INSERT ON ym_client BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('ym_client', 'generation');
END;
CREATE TRIGGER mm_ym_client_delete AFTER DELETE ON ym_client BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('ym_client', 'generation');
END;
CREATE TRIGGER mm_ym_client_update AFTER UPDATE ON ym_client BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_insert AFTER INSERT ON ym_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('ym_group', 'generation');
END;
CREATE TRIGGER mm_ym_group_delete AFTER DELETE ON ym_group BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('ym_group', 'generation');
END;
CREATE TRIGGER mm_ym_group_update AFTER UPDATE ON ym_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_insert AFTER INSERT ON ym_member BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('ym_member', 'generation');
END;
CREATE TRIGGER mm_ym_member_delete AFTER DELETE ON ym_member BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('ym_member', 'generation');
END;
CREATE TRIGGER mm_ym_member_update AFTER UPDATE ON ym_member BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;

-- Sessions: counted, but not part of the seed document, so not of the generation.
CREATE TRIGGER mm_lum_session_insert AFTER INSERT ON lum_session BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'lum_session';
END;
CREATE TRIGGER mm_lum_session_delete AFTER DELETE ON lum_session BEGIN
    UPDATE mm_count SET n = n - 1 WHERE name = 'lum_session';
END;
CREATE TRIGGER mm_ym_session_insert AFTER INSERT ON ym_session BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'ym_session';
END;
CREATE TRIGGER mm_ym_session_delete AFTER DELETE ON ym_session BEGIN
    UPDATE mm_count SET n = n - 1 WHERE name = 'ym_session';
END;

-- Links between records: the generation only.
CREATE TRIGGER mm_lum_cons_group_insert AFTER INSERT ON lum_cons_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_cons_group_delete AFTER DELETE ON lum_cons_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_cons_group_update AFTER UPDATE ON lum_cons_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_supervisor_insert AFTER INSERT ON su_supervisor BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_supervisor_delete AFTER DELETE ON su_supervisor BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_supervisor_update AFTER UPDATE ON su_supervisor BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_group_insert AFTER INSERT ON su_user_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_group_delete AFTER DELETE ON su_user_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_group_update AFTER UPDATE ON su_user_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_type_insert AFTER INSERT ON ym_group_type BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_type_delete AFTER DELETE ON ym_group_type BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_type_update AFTER UPDATE ON ym_group_type BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_rep_title_insert AFTER INSERT ON ym_rep_title BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_rep_title_delete AFTER DELETE ON ym_rep_title BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_rep_title_update AFTER UPDATE ON ym_rep_title BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_group_insert AFTER INSERT ON ym_member_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_group_delete AFTER DELETE ON ym_member_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_group_update AFTER UPDATE ON ym_member_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
