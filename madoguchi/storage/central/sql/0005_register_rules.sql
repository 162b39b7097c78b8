-- The centre re-checks the register's own rules on every approval (R-SYNC-4, R-INTAKE-2/3).
--
-- A terminal is not trusted: its services check the full rules of §4 before an approval is
-- queued, and the centre checks again what it can see for itself once the approval is
-- applied (in the op's own subtransaction, so a refusal undoes it and answers "rejected"):
--   * a 個人番号 has 12 digits and a valid check digit (the same algorithm as python-stdnum);
--   * no two current residents share a 個人番号 (two offline windows registering the same
--     newcomer: the second is refused, never merged);
--   * a current resident belongs to a household the centre has and has not removed;
--   * a household has at most one 世帯主 among its current members;
--   * 届出日 is not after the day of the approval, nor is 異動日 except for a 転出 (planned).
--
-- Number lanes: every terminal has its own lane (1–99, ``terminals.number_lane``); a new
-- 宛名番号 or 世帯番号 it assigns is the next number above the highest it knows whose
-- remainder by 100 is its lane. Two windows (offline or not yet synced) never pick the same
-- number, so two move-ins at two windows no longer meet as a conflict. ``assign_number_lane``
-- gives a terminal the lowest free lane and logs the terminal's row, so every terminal
-- learns it by pull or bootstrap.
--
-- The original function becomes op_approve_draft_unchecked; apply_op keeps calling
-- op_approve_draft, now this wrapper. Refusal messages name 宛名番号 and 世帯番号, never a
-- 個人番号 (it must not reach any log).

CREATE FUNCTION individual_number_valid(p_number text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v_sum int := 0;
    v_digit int;
    v_check int;
BEGIN
    IF p_number IS NULL OR p_number !~ '^[0-9]{12}$' THEN
        RETURN false;
    END IF;
    -- P(n): the n-th digit from the right of the first 11; Q(n) = n + 1 (n ≤ 6), n − 5.
    FOR n IN 1..11 LOOP
        v_digit := substr(p_number, 12 - n, 1)::int;
        v_sum := v_sum + v_digit * CASE WHEN n <= 6 THEN n + 1 ELSE n - 5 END;
    END LOOP;
    v_check := CASE WHEN v_sum % 11 <= 1 THEN 0 ELSE 11 - v_sum % 11 END;
    RETURN v_check = substr(p_number, 12, 1)::int;
END
$$;

CREATE FUNCTION check_approval_rules(p_op jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_effect jsonb := p_op->'effect';
    v_day date := op_on(p_op);
    v_atena text;
    v_person persons;
    v_other text;
    v_household text;
    v_heads int;
    v_item jsonb;
BEGIN
    FOR v_atena IN SELECT value->>'atena_no'
                   FROM jsonb_array_elements(coalesce(v_effect->'persons', '[]')) LOOP
        SELECT * INTO v_person FROM persons WHERE atena_no = v_atena;
        CONTINUE WHEN NOT FOUND;
        IF v_person.individual_number IS NOT NULL AND v_person.individual_number <> ''
           AND NOT individual_number_valid(v_person.individual_number) THEN
            PERFORM refuse(format(
                '住民 %s の個人番号が正しくありません（12桁・検査用数字）。', v_atena));
        END IF;
        CONTINUE WHEN v_person.status <> 'current';
        IF v_person.individual_number IS NOT NULL AND v_person.individual_number <> '' THEN
            SELECT atena_no INTO v_other FROM persons
             WHERE individual_number = v_person.individual_number AND status = 'current'
               AND atena_no <> v_atena
             LIMIT 1;
            IF FOUND THEN
                PERFORM refuse(format(
                    '住民 %s と同じ個人番号の住民（宛名番号 %s）がすでに記録されています。'
                    '同じ方の二重の記載になるため、センターで受け付けません。', v_atena, v_other));
            END IF;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM households
                       WHERE household_no = v_person.household_no AND NOT removed) THEN
            PERFORM refuse(format('住民 %s の世帯 %s がセンターにないか、消除されています。',
                                  v_atena, v_person.household_no));
        END IF;
    END LOOP;
    FOR v_household IN
        SELECT value->>'household_no' FROM jsonb_array_elements(coalesce(v_effect->'households', '[]'))
        UNION
        SELECT p.household_no FROM persons p
         WHERE p.atena_no IN (SELECT value->>'atena_no'
                              FROM jsonb_array_elements(coalesce(v_effect->'persons', '[]')))
    LOOP
        SELECT count(*) INTO v_heads FROM persons
         WHERE household_no = v_household AND status = 'current' AND relationship = '世帯主';
        IF v_heads > 1 THEN
            PERFORM refuse(format('世帯 %s に世帯主が %s 人記録されることになります。',
                                  v_household, v_heads));
        END IF;
    END LOOP;
    FOR v_item IN SELECT value FROM jsonb_array_elements(coalesce(v_effect->'history', '[]')) LOOP
        IF (v_item->>'notified_on') IS NOT NULL
           AND (v_item->>'notified_on')::date > v_day THEN
            PERFORM refuse(format('住民 %s の届出日が決裁の日より後です。', v_item->>'atena_no'));
        END IF;
        IF v_item->>'change_date' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
           AND (v_item->>'change_date')::date > v_day
           AND v_item->>'change_reason' NOT IN ('B01', 'B02') THEN
            PERFORM refuse(format('住民 %s の異動日が決裁の日より後です（転出の予定日を除く）。',
                                  v_item->>'atena_no'));
        END IF;
    END LOOP;
END
$$;

ALTER FUNCTION op_approve_draft(jsonb) RENAME TO op_approve_draft_unchecked;

-- Before applying: a 個人番号 the approval writes that another record (a resident or a 除票)
-- already holds. The table's unique index would refuse it too, but without saying why.
CREATE FUNCTION check_number_holders(p_op jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_after jsonb;
    v_other text;
BEGIN
    FOR v_after IN SELECT value->'after'
                   FROM jsonb_array_elements(coalesce(p_op->'effect'->'persons', '[]')) LOOP
        CONTINUE WHEN v_after IS NULL OR coalesce(v_after->>'individual_number', '') = '';
        SELECT atena_no INTO v_other FROM persons
         WHERE individual_number = v_after->>'individual_number'
           AND atena_no <> v_after->>'atena_no'
         LIMIT 1;
        IF FOUND THEN
            PERFORM refuse(format(
                '住民 %s と同じ個人番号の記録（宛名番号 %s）がセンターにすでにあります。'
                '同じ方の二重の記載になるため、センターで受け付けません。',
                v_after->>'atena_no', v_other));
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION op_approve_draft(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_result jsonb;
BEGIN
    PERFORM check_number_holders(p_op);
    v_result := op_approve_draft_unchecked(p_op);
    IF v_result->>'result' = 'applied' THEN
        PERFORM check_approval_rules(p_op);
    END IF;
    RETURN v_result;
END
$$;

CREATE FUNCTION assign_number_lane(p_terminal text) RETURNS smallint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_lane smallint;
BEGIN
    PERFORM 1 FROM sync_state WHERE id = 1 FOR UPDATE;  -- change numbers in commit order
    SELECT number_lane INTO v_lane FROM terminals WHERE terminal_id = p_terminal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'terminal % is not registered', p_terminal;
    END IF;
    IF v_lane IS NULL THEN
        SELECT min(n) INTO v_lane FROM generate_series(1, 99) AS n
         WHERE n NOT IN (SELECT number_lane FROM terminals WHERE number_lane IS NOT NULL);
        IF v_lane IS NULL THEN
            RAISE EXCEPTION 'all 99 number lanes are taken';
        END IF;
        UPDATE terminals SET number_lane = v_lane WHERE terminal_id = p_terminal;
        PERFORM emit_changes(jsonb_build_array(change_of('terminal', p_terminal)), NULL);
    END IF;
    RETURN v_lane;
END
$$;

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['individual_number_valid(text)', 'check_approval_rules(jsonb)',
                             'check_number_holders(jsonb)', 'op_approve_draft(jsonb)',
                             'assign_number_lane(text)'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO madoguchi_owner', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

-- The centre's administrator (the role running this migration) registers terminals.
DO $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION assign_number_lane(text) TO %I', current_user);
END
$$;
