-- Who may settle a conflict: the right the conflicting op needed. A 支援措置 or 発行抑止
-- conflict is settled by a 支援措置担当 (manage_protection), a 一時解除 conflict by the
-- officer who decides releases (release_protection), every other one by a supervisor
-- (review). The function stays owned by madoguchi_owner (CREATE OR REPLACE keeps it) and
-- runs only inside sync.push.

CREATE OR REPLACE FUNCTION conflict_right(p_op_type text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_op_type IN ('register_measure', 'extend_measure', 'end_measure',
                           'set_hold', 'lift_hold') THEN 'manage_protection'
        WHEN p_op_type IN ('request_release', 'decide_release') THEN 'release_protection'
        ELSE 'review'
    END
$$;

CREATE OR REPLACE FUNCTION op_resolve_conflict(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id bigint := (p_op->'payload'->>'conflict_id')::bigint;
    v_type text;
BEGIN
    SELECT op_type INTO v_type FROM sync_conflicts WHERE conflict_id = v_id;
    IF NOT FOUND THEN
        PERFORM refuse(format('競合 %s はセンターにありません。', v_id));
    END IF;
    PERFORM require_right(v_staff, conflict_right(v_type), op_on(p_op));
    UPDATE sync_conflicts
       SET status = 'resolved', resolved_at = now(), resolved_by = v_staff,
           resolution = coalesce(p_op->'payload'->>'note', '確認済み')
     WHERE conflict_id = v_id AND status = 'open';
    IF NOT FOUND THEN
        PERFORM refuse('この競合はすでに解消されています。');
    END IF;
    RETURN applied(p_op, jsonb_build_array(change_of('conflict', v_id::text)));
END
$$;

DO $$
BEGIN
    ALTER FUNCTION conflict_right(text) OWNER TO madoguchi_owner;
    REVOKE ALL ON FUNCTION conflict_right(text) FROM PUBLIC;
    ALTER FUNCTION op_resolve_conflict(jsonb) OWNER TO madoguchi_owner;
    REVOKE ALL ON FUNCTION op_resolve_conflict(jsonb) FROM PUBLIC;
END
$$;
