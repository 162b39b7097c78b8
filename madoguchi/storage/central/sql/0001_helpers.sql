-- The sync functions' helpers (revision 0001): see 0001_api.sql for the overview.

-- ---------------------------------------------------------------------------------------
-- Helpers (schema public: invisible to terminals; EXECUTE revoked from PUBLIC by 0001_api.sql)

CREATE FUNCTION refuse(p_message text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- MD001: a rule refused the op; the push answers "rejected" with this message.
    RAISE EXCEPTION USING ERRCODE = 'MD001', MESSAGE = p_message;
END
$$;

CREATE FUNCTION caller_terminal() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT terminal_id FROM terminals WHERE db_role = session_user AND active
$$;

CREATE FUNCTION require_terminal() RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_terminal text := caller_terminal();
BEGIN
    IF v_terminal IS NULL THEN
        RAISE EXCEPTION 'ロール % は有効な端末として登録されていません', session_user
            USING ERRCODE = '42501';
    END IF;
    RETURN v_terminal;
END
$$;

CREATE FUNCTION staff_may(p_staff text, p_action text, p_on date) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM staff s
        CROSS JOIN LATERAL jsonb_array_elements_text(s.roles) AS r(role)
        JOIN role_permissions p ON p.role = r.role AND p.action = p_action
        WHERE s.staff_no = p_staff
          AND NOT s.disabled
          AND s.valid_from <= p_on
          AND (s.valid_until IS NULL OR s.valid_until >= p_on)
    )
$$;

CREATE FUNCTION require_right(p_staff text, p_action text, p_on date) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM role_permissions) THEN
        PERFORM refuse('センターに権限表が設定されていません。センターの初期設定を行ってください。');
    END IF;
    IF NOT staff_may(p_staff, p_action, p_on) THEN
        PERFORM refuse(format(
            '職員 %s にはこの操作（%s）の権限がありません（無効・有効期間外のアカウントを含む）。',
            p_staff, p_action));
    END IF;
END
$$;

-- Python's json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")): the form
-- a terminal hashed its audit entry in.
CREATE FUNCTION canonical_json(p_value jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_kind text := jsonb_typeof(p_value);
    v_parts text[];
BEGIN
    IF p_value IS NULL THEN
        RETURN 'null';
    ELSIF v_kind = 'object' THEN
        SELECT array_agg(to_jsonb(key)::text || ':' || canonical_json(value) ORDER BY key COLLATE "C")
          INTO v_parts FROM jsonb_each(p_value);
        RETURN '{' || coalesce(array_to_string(v_parts, ','), '') || '}';
    ELSIF v_kind = 'array' THEN
        SELECT array_agg(canonical_json(value) ORDER BY ordinality)
          INTO v_parts FROM jsonb_array_elements(p_value) WITH ORDINALITY;
        RETURN '[' || coalesce(array_to_string(v_parts, ','), '') || ']';
    END IF;
    RETURN p_value::text;
END
$$;

CREATE FUNCTION row_image(p_entity text, p_key text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE p_entity
        WHEN 'person' THEN (SELECT to_jsonb(t) FROM persons t WHERE atena_no = p_key)
        WHEN 'household' THEN (SELECT to_jsonb(t) FROM households t WHERE household_no = p_key)
        WHEN 'draft' THEN (SELECT to_jsonb(t) FROM drafts t WHERE draft_id = p_key)
        WHEN 'staff' THEN (SELECT to_jsonb(t) FROM staff t WHERE staff_no = p_key)
        WHEN 'terminal' THEN
            (SELECT to_jsonb(t) - 'db_role' FROM terminals t WHERE terminal_id = p_key)
        WHEN 'history' THEN (
            SELECT to_jsonb(t) - 'id' FROM change_history t
            WHERE atena_no = split_part(p_key, '/', 1) AND process_id = split_part(p_key, '/', 2))
        WHEN 'conflict' THEN (
            SELECT jsonb_build_object(
                'conflict_id', conflict_id, 'op_id', op_id, 'terminal_id', terminal_id,
                'staff_no', staff_no, 'op_type', op_type, 'draft_id', draft_id,
                'reason', reason, 'stale', stale, 'status', status,
                'resolved_by', resolved_by, 'resolution', resolution)
            FROM sync_conflicts WHERE conflict_id = p_key::bigint)
    END;
END
$$;

CREATE FUNCTION change_of(p_entity text, p_key text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('entity', p_entity, 'key', p_key, 'image', row_image(p_entity, p_key))
$$;

-- Append changes to the log; the caller (sync.push, or an admin function) holds the
-- sync_state row lock, so the numbers follow commit order.
CREATE FUNCTION emit_changes(p_changes jsonb, p_op_id uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_count int := jsonb_array_length(p_changes);
    v_last bigint;
BEGIN
    IF v_count = 0 THEN
        RETURN NULL;
    END IF;
    UPDATE sync_state SET last_seq = last_seq + v_count WHERE id = 1 RETURNING last_seq INTO v_last;
    INSERT INTO change_log (seq, entity, entity_key, op_id, image)
    SELECT v_last - v_count + c.ordinality, c.value->>'entity', c.value->>'key', p_op_id,
           c.value->'image'
    FROM jsonb_array_elements(p_changes) WITH ORDINALITY AS c(value, ordinality);
    -- Delivered at commit; only a nudge: terminals still pull by cursor.
    PERFORM pg_notify('madoguchi_changes', v_last::text);
    RETURN v_last;
END
$$;

-- Insert or update one row from a JSON image; only the columns the image names.
CREATE FUNCTION upsert_image(p_table text, p_key text, p_image jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_columns text;
    v_updates text;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg(format('%1$I = EXCLUDED.%1$I', a.attname), ', ' ORDER BY a.attnum)
               FILTER (WHERE a.attname <> p_key)
      INTO v_columns, v_updates
    FROM pg_attribute a
    WHERE a.attrelid = p_table::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND p_image ? a.attname;
    EXECUTE format(
        'INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_record(NULL::%1$I, $1) '
        'ON CONFLICT (%3$I) DO UPDATE SET %4$s',
        p_table, v_columns, p_key, v_updates)
    USING p_image;
END
$$;

CREATE FUNCTION applied(p_op jsonb, p_changes jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint := emit_changes(p_changes, (p_op->>'op_id')::uuid);
BEGIN
    RETURN jsonb_build_object('op_id', p_op->>'op_id', 'result', 'applied', 'seq', v_seq);
END
$$;

-- The central state of everything an op touches: what a terminal puts back locally when the
-- op was refused or conflicted (persons/households the centre lacks come back as absent).
CREATE FUNCTION restore_images(p_op jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH person_keys AS (
        SELECT value->>'atena_no' AS k FROM jsonb_array_elements(coalesce(p_op->'effect'->'persons', '[]'))
        UNION SELECT key FROM jsonb_each(coalesce(p_op->'payload'->'base_versions'->'persons', '{}'))
    ), household_keys AS (
        SELECT value->>'household_no' AS k FROM jsonb_array_elements(coalesce(p_op->'effect'->'households', '[]'))
        UNION SELECT key FROM jsonb_each(coalesce(p_op->'payload'->'base_versions'->'households', '{}'))
        -- and the households the restored persons live in now (the terminal may not have
        -- pulled a new one yet)
        UNION SELECT p.household_no FROM persons p JOIN person_keys ON p.atena_no = person_keys.k
    )
    SELECT jsonb_build_object(
        'persons', (SELECT coalesce(jsonb_agg(coalesce(row_image('person', k),
                       jsonb_build_object('atena_no', k, 'absent', true))), '[]') FROM person_keys),
        'households', (SELECT coalesce(jsonb_agg(coalesce(row_image('household', k),
                       jsonb_build_object('household_no', k, 'absent', true))), '[]') FROM household_keys),
        'draft', row_image('draft', coalesce(p_op->'payload'->>'draft_id', '')),
        'staff', row_image('staff', coalesce(p_op->'payload'->'account'->>'staff_no', '')),
        'terminal', row_image('terminal', coalesce(p_op->'payload'->'terminal'->>'terminal_id', '')))
$$;

CREATE FUNCTION conflict(p_op jsonb, p_draft_id text, p_reason text, p_stale jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_server jsonb := restore_images(p_op);
    v_seq bigint;
BEGIN
    INSERT INTO sync_conflicts (op_id, terminal_id, staff_no, op_type, draft_id, reason, stale,
                                client_version, server_version, status)
    VALUES ((p_op->>'op_id')::uuid, p_op->>'terminal_id', p_op->>'staff_no', p_op->>'op_type',
            p_draft_id, p_reason, p_stale, coalesce(p_op->'effect', p_op->'payload'), v_server,
            'open')
    RETURNING conflict_id INTO v_id;
    v_seq := emit_changes(jsonb_build_array(change_of('conflict', v_id::text)),
                          (p_op->>'op_id')::uuid);
    RETURN jsonb_build_object('op_id', p_op->>'op_id', 'result', 'conflict', 'conflict_id', v_id,
                              'reason', p_reason, 'stale', p_stale, 'restore', v_server,
                              'seq', v_seq);
END
$$;

-- A later decision on the same draft (approval, rejection, withdrawal) settles its conflicts.
CREATE FUNCTION supersede_conflicts(p_draft_id text, p_staff text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_changes jsonb := '[]';
    v_id bigint;
BEGIN
    FOR v_id IN
        UPDATE sync_conflicts
           SET status = 'superseded', resolved_at = now(), resolved_by = p_staff,
               resolution = '同じ仮登録への後の操作で解消'
         WHERE draft_id = p_draft_id AND status = 'open'
        RETURNING conflict_id
    LOOP
        v_changes := v_changes || jsonb_build_array(change_of('conflict', v_id::text));
    END LOOP;
    RETURN v_changes;
END
$$;

CREATE FUNCTION op_on(p_op jsonb) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (p_op->>'created_at')::timestamp::date
$$;
