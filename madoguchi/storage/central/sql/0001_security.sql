-- Roles, privileges and row-level security of the central schema (revision 0001).
--
-- madoguchi_owner     NOLOGIN. Owns the sync functions (SECURITY DEFINER), so they run with
--                     exactly its rights: the table privileges below and the RLS policies
--                     written for it. Not a superuser, owns no table.
-- madoguchi_terminal  NOLOGIN group of every terminal's login role. Holds no table privilege
--                     at all and no policy: it may only EXECUTE the functions of schema sync.
-- Tables stay owned by the migrating (admin) role; they have RLS enabled, so any role other
-- than the owner that were ever granted a table right would still see no row without a policy.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'madoguchi_owner') THEN
        CREATE ROLE madoguchi_owner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'madoguchi_terminal') THEN
        CREATE ROLE madoguchi_terminal NOLOGIN;
    END IF;
END
$$;

-- The migrating role must be able to hand objects to madoguchi_owner.
GRANT madoguchi_owner TO CURRENT_USER;

-- Nobody but the owner and madoguchi_owner sees schema public; terminals see only schema sync.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO madoguchi_owner;
CREATE SCHEMA IF NOT EXISTS sync;
REVOKE ALL ON SCHEMA sync FROM PUBLIC;
GRANT USAGE ON SCHEMA sync TO madoguchi_owner, madoguchi_terminal;

-- What the sync functions need, table by table; nothing deletes.
GRANT SELECT, INSERT, UPDATE ON
    ref_change_reasons, ref_towns, households, persons, change_history, individual_items,
    alias_history, drafts, staff, terminals, sync_state, change_log, applied_ops,
    sync_conflicts, interface_records
TO madoguchi_owner;
GRANT SELECT ON role_permissions, op_actions TO madoguchi_owner;
GRANT SELECT, INSERT ON audit_log, op_journal TO madoguchi_owner;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO madoguchi_owner;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'ref_change_reasons', 'ref_towns', 'households', 'persons', 'change_history',
        'individual_items', 'alias_history', 'drafts', 'staff', 'terminals', 'sync_state',
        'change_log', 'applied_ops', 'sync_conflicts', 'interface_records'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY sync_functions ON %I TO madoguchi_owner USING (true) WITH CHECK (true)', t
        );
    END LOOP;
    FOREACH t IN ARRAY ARRAY['role_permissions', 'op_actions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY sync_functions_read ON %I FOR SELECT TO madoguchi_owner USING (true)', t);
    END LOOP;
    -- Append-only stores: the functions may read and add, never change or remove.
    FOREACH t IN ARRAY ARRAY['audit_log', 'op_journal'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY sync_functions_read ON %I FOR SELECT TO madoguchi_owner USING (true)', t);
        EXECUTE format('CREATE POLICY sync_functions_append ON %I FOR INSERT TO madoguchi_owner WITH CHECK (true)', t);
    END LOOP;
END
$$;

-- The central audit store is append-only for everyone, its owner included (R-AUDIT-2).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'MD002';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
REVOKE ALL ON FUNCTION audit_log_append_only() FROM PUBLIC;

INSERT INTO sync_state (id, last_seq, retained_from) VALUES (1, 0, 1);
