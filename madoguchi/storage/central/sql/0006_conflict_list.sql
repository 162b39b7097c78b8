-- The centre's open conflicts for one staff member: only those they may settle (the right
-- the conflicting op needed, conflict_right of 0003), so a supervisor's terminal never
-- receives a 支援措置's contents and an officer of 支援措置 sees theirs. CREATE OR REPLACE
-- keeps the owner and the EXECUTE grant; the other properties are given again.

CREATE OR REPLACE FUNCTION sync.conflicts(p_staff_no text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM require_terminal();
    IF NOT (staff_may(p_staff_no, 'review', current_date)
            OR staff_may(p_staff_no, 'manage_protection', current_date)
            OR staff_may(p_staff_no, 'release_protection', current_date)) THEN
        PERFORM refuse(format('職員 %s には競合を確認する権限がありません。', p_staff_no));
    END IF;
    RETURN (SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.conflict_id), '[]')
            FROM sync_conflicts c
            WHERE c.status = 'open'
              AND staff_may(p_staff_no, conflict_right(c.op_type), current_date));
END
$$;
