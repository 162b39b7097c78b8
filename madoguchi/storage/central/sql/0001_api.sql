-- The API of the centre (revision 0001): what a terminal may call. Helpers in 0001_helpers.sql,
-- one function per op type in 0001_ops.sql; this file runs last (ownership and EXECUTE).
--
-- Terminals call only schema sync: push, pull, snapshot_head, snapshot_chunk, conflicts,
-- whoami. They are SECURITY DEFINER functions owned by madoguchi_owner with a fixed
-- search_path; the caller is identified by its login role (session_user → terminals.db_role).
-- Every op is checked again here against the permission matrix (role_permissions, installed
-- from the application's one matrix) and the rules that need the central state: separation
-- of duties, the draft's state, and the base version of every person and household an
-- approval touches. A stale base is never overwritten: it becomes a row of sync_conflicts.
--
-- Change-log numbers: sync.push locks the one sync_state row first, so pushes run one at a
-- time and each takes its change-log numbers with that lock held to its commit: numbers are
-- handed out in commit order, and a reader never sees n+1 before n.

-- ---------------------------------------------------------------------------------------
-- The API of schema sync: SECURITY DEFINER, owned by madoguchi_owner, EXECUTE for terminals

CREATE FUNCTION sync.push(p_ops jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_terminal text := require_terminal();
    v_op jsonb;
    v_id uuid;
    v_prior applied_ops;
    v_result jsonb;
    v_results jsonb := '[]';
BEGIN
    -- One push at a time: its change-log numbers are then in commit order.
    PERFORM 1 FROM sync_state WHERE id = 1 FOR UPDATE;
    FOR v_op IN SELECT value FROM jsonb_array_elements(p_ops) WITH ORDINALITY ORDER BY ordinality
    LOOP
        v_id := (v_op->>'op_id')::uuid;
        INSERT INTO applied_ops (op_id, terminal_id, staff_no, op_type, result, response)
        VALUES (v_id, v_terminal, coalesce(v_op->>'staff_no', ''), coalesce(v_op->>'op_type', ''),
                'pending', '{}')
        ON CONFLICT (op_id) DO NOTHING;
        IF NOT FOUND THEN
            -- Seen before: the same answer again, and no second effect.
            SELECT * INTO v_prior FROM applied_ops WHERE op_id = v_id;
            IF v_prior.terminal_id <> v_terminal THEN
                v_result := jsonb_build_object('op_id', v_id, 'result', 'rejected',
                    'reason', '操作IDが他の端末の操作と重複しています。');
            ELSE
                v_result := v_prior.response || jsonb_build_object('replayed', true);
            END IF;
        ELSE
            BEGIN
                v_result := apply_op(v_terminal, v_op);
            EXCEPTION
                WHEN SQLSTATE 'MD001' OR data_exception OR integrity_constraint_violation THEN
                    v_result := jsonb_build_object('op_id', v_id, 'result', 'rejected',
                        'reason', SQLERRM, 'sqlstate', SQLSTATE,
                        'restore', CASE WHEN v_op->>'op_type' IN (
                            'approve_draft', 'submit_draft', 'reject_draft', 'withdraw_draft',
                            'staff_changed', 'terminal_changed')
                            THEN restore_images(v_op) END);
            END;
            UPDATE applied_ops SET result = v_result->>'result', response = v_result
             WHERE op_id = v_id;
        END IF;
        v_results := v_results || jsonb_build_array(v_result);
    END LOOP;
    RETURN jsonb_build_object('results', v_results);
END
$$;

CREATE FUNCTION sync.pull(p_since bigint, p_limit integer) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_state sync_state;
    v_changes jsonb;
BEGIN
    PERFORM require_terminal();
    SELECT * INTO v_state FROM sync_state WHERE id = 1;
    IF p_since + 1 < v_state.retained_from THEN
        -- The log no longer reaches back to this cursor: the terminal takes a new snapshot.
        RETURN jsonb_build_object('status', 'resync', 'head', v_state.last_seq);
    END IF;
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'seq', seq, 'entity', entity, 'key', entity_key, 'op_id', op_id, 'image', image)
               ORDER BY seq), '[]')
      INTO v_changes
    FROM (SELECT * FROM change_log WHERE seq > p_since ORDER BY seq
          LIMIT least(greatest(p_limit, 1), 5000)) c;
    RETURN jsonb_build_object('status', 'ok', 'head', v_state.last_seq, 'changes', v_changes);
END
$$;

CREATE FUNCTION sync.snapshot_head() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM require_terminal();
    IF current_setting('transaction_isolation') NOT IN ('repeatable read', 'serializable') THEN
        RAISE EXCEPTION 'snapshot_head must run in a REPEATABLE READ transaction'
            USING ERRCODE = '25001';
    END IF;
    -- Every chunk read later in this transaction shows the register as of this position.
    RETURN jsonb_build_object(
        'head', (SELECT last_seq FROM sync_state WHERE id = 1),
        'counts', jsonb_build_object(
            'ref_change_reasons', (SELECT count(*) FROM ref_change_reasons),
            'ref_towns', (SELECT count(*) FROM ref_towns),
            'households', (SELECT count(*) FROM households),
            'persons', (SELECT count(*) FROM persons),
            'change_history', (SELECT count(*) FROM change_history),
            'individual_items', (SELECT count(*) FROM individual_items),
            'alias_history', (SELECT count(*) FROM alias_history),
            'drafts', (SELECT count(*) FROM drafts),
            'staff', (SELECT count(*) FROM staff),
            'terminals', (SELECT count(*) FROM terminals)));
END
$$;

-- The next rows of one replica table after key p_after: the column names, and the rows as
-- one JSON array of arrays (no repeated keys; timestamps in the local store's text form),
-- with the last key and the row count. Arrays, not objects: half the bytes, and the
-- cheapest JSON PostgreSQL makes.
CREATE FUNCTION sync.snapshot_chunk(p_table text, p_after text, p_limit integer)
RETURNS TABLE (last_key text, row_count integer, columns text[], rows text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_key text;
    v_key_type text;
    v_names text[];
    v_values text;
BEGIN
    PERFORM require_terminal();
    v_key := CASE p_table
        WHEN 'ref_change_reasons' THEN 'code' WHEN 'ref_towns' THEN 'code'
        WHEN 'households' THEN 'household_no' WHEN 'persons' THEN 'atena_no'
        WHEN 'change_history' THEN 'id' WHEN 'individual_items' THEN 'id'
        WHEN 'alias_history' THEN 'id' WHEN 'drafts' THEN 'draft_id'
        WHEN 'staff' THEN 'staff_no' WHEN 'terminals' THEN 'terminal_id'
    END;
    IF v_key IS NULL THEN
        RAISE EXCEPTION 'not a replica table: %', p_table USING ERRCODE = '42501';
    END IF;
    SELECT format_type(a.atttypid, NULL) INTO v_key_type FROM pg_attribute a
     WHERE a.attrelid = p_table::regclass AND a.attname = v_key;
    SELECT array_agg(a.attname::text ORDER BY a.attnum),
           string_agg(CASE
               WHEN a.atttypid = 'timestamp'::regtype
                   THEN format('to_char(t.%I, ''YYYY-MM-DD HH24:MI:SS.US'')', a.attname)
               ELSE format('t.%I', a.attname) END, ', ' ORDER BY a.attnum)
      INTO v_names, v_values
    FROM pg_attribute a
    WHERE a.attrelid = p_table::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname <> 'db_role';
    IF array_length(v_names, 1) > 100 THEN  -- json_build_array takes at most 100 arguments
        RAISE EXCEPTION 'table % has more than 100 columns', p_table;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT max(c.k)::text, count(*)::int, $3, '
        '''['' || coalesce(string_agg(c.r, '','' ORDER BY c.k), '''') || '']'' '
        'FROM (SELECT t.%1$I AS k, json_build_array(%2$s)::text AS r FROM %3$I t '
        'WHERE $1 IS NULL OR t.%1$I > $1::%4$s ORDER BY t.%1$I LIMIT $2) c',
        v_key, v_values, p_table, v_key_type)
    USING p_after, p_limit, v_names;
END
$$;

-- The open conflicts with both versions, for a supervisor's screen (R-SYNC-2).
CREATE FUNCTION sync.conflicts(p_staff_no text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM require_terminal();
    PERFORM require_right(p_staff_no, 'review', current_date);
    RETURN (SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.conflict_id), '[]')
            FROM sync_conflicts c WHERE c.status = 'open');
END
$$;

CREATE FUNCTION sync.whoami() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT jsonb_build_object('role', session_user, 'terminal_id', caller_terminal(),
                              'head', (SELECT last_seq FROM sync_state WHERE id = 1))
$$;

-- ---------------------------------------------------------------------------------------
-- Ownership and EXECUTE: the helpers run only inside the API functions.

DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'sync') AND p.proname <> 'audit_log_append_only'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO madoguchi_owner', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'sync'
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO madoguchi_terminal', f);
    END LOOP;
END
$$;
