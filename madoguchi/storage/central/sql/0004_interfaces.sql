-- Interface delivery at the centre (revision 0004, REQUIREMENTS §10, R-IF-1, R-STORE-3/4).
--
-- The outbound interface queues live here (interface_records, filled by approve_draft ops);
-- terminals keep none once the centre has their approval. Delivery, resend and the purge of
-- 送付先情報 run against this database as a login role in the group below, never as a
-- terminal and never as the owner of the tables.
--
-- madoguchi_interfaces  NOLOGIN group of the operators' login roles. May read
--                       interface_records and change only their status fields and payload
--                       (the purge); may read and append interface_runs (its journal, where
--                       db_role is always session_user); may call interfaces.operator().
--                       Nothing else: no other table, no sync function.
-- madoguchi_terminal    still has no right on either table.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'madoguchi_interfaces') THEN
        CREATE ROLE madoguchi_interfaces NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO madoguchi_interfaces;
GRANT SELECT ON interface_records TO madoguchi_interfaces;
GRANT UPDATE (status, attempts, delivered_at, failure_reason, payload)
    ON interface_records TO madoguchi_interfaces;
CREATE POLICY interface_delivery_read ON interface_records
    FOR SELECT TO madoguchi_interfaces USING (true);
CREATE POLICY interface_delivery_update ON interface_records
    FOR UPDATE TO madoguchi_interfaces USING (true) WITH CHECK (true);

-- The journal of runs: append-only for everyone (its owner included), and an operator's row
-- always names the database role that wrote it (column rights leave db_role and recorded_at
-- to their defaults; the policy checks it).
GRANT SELECT ON interface_runs TO madoguchi_interfaces;
GRANT INSERT (staff_no, terminal_id, action, queue, run_at, delivered, failed, held, purged,
              record_ids, detail)
    ON interface_runs TO madoguchi_interfaces;
GRANT USAGE ON SEQUENCE interface_runs_run_id_seq TO madoguchi_interfaces;
ALTER TABLE interface_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY interface_runs_read ON interface_runs
    FOR SELECT TO madoguchi_interfaces USING (true);
CREATE POLICY interface_runs_append ON interface_runs
    FOR INSERT TO madoguchi_interfaces WITH CHECK (db_role = session_user);

CREATE FUNCTION interface_runs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'interface_runs is append-only: % refused', TG_OP USING ERRCODE = 'MD002';
END
$$;
CREATE TRIGGER interface_runs_no_update BEFORE UPDATE OR DELETE ON interface_runs
    FOR EACH ROW EXECUTE FUNCTION interface_runs_append_only();
REVOKE ALL ON FUNCTION interface_runs_append_only() FROM PUBLIC;

-- Who may operate the queues: the staff member's roles, checked against the centre's
-- permission matrix (the one the sync functions check), without giving the interfaces role
-- any right on staff or role_permissions. NULL when the staff member may not (unknown,
-- disabled, outside the account's validity, or no role with interface_operate).
CREATE SCHEMA IF NOT EXISTS interfaces;
REVOKE ALL ON SCHEMA interfaces FROM PUBLIC;
GRANT USAGE ON SCHEMA interfaces TO madoguchi_interfaces;
GRANT USAGE, CREATE ON SCHEMA interfaces TO madoguchi_owner;

CREATE FUNCTION interfaces.operator(p_staff text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT jsonb_build_object('staff_no', s.staff_no, 'name', s.name, 'office', s.office,
                              'roles', s.roles)
    FROM staff s
    WHERE s.staff_no = p_staff AND staff_may(p_staff, 'interface_operate', current_date)
$$;

DO $$
BEGIN
    ALTER FUNCTION interfaces.operator(text) OWNER TO madoguchi_owner;
    REVOKE ALL ON FUNCTION interfaces.operator(text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION interfaces.operator(text) TO madoguchi_interfaces;
END
$$;
