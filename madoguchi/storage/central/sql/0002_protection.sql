-- 支援措置, 発行抑止 and 一時解除 at the centre (revision 0002; R-CERT-4, R-SYNC-1…4).
--
-- A measure registered at one window must stop the victim's certificates at every window, so
-- measures, holds and release requests travel like the register: ops checked here, change-log
-- entries, bootstrap. Entities of the change log: 'measure' (the measure with its persons and
-- 加害者, one image: view protection_measure_images), 'hold', 'release'.
--
-- Ops and the right each needs (op_actions, re-checked here against the permission matrix):
--   register_measure, extend_measure, end_measure, set_hold, lift_hold   manage_protection
--   request_release (the counter asks for a review of one blocked request) issue_certificate
--   decide_release (released / refused, by someone other than the requester) release_protection
--   issue_certificate (journal; uses up the release it names)             issue_certificate
-- A change of an existing measure or hold names the row_version it was made from: another
-- window's change in between (an extension, an end, a lift) makes a conflict with both
-- versions, never a silent overwrite (R-SYNC-2). A second decision on the same request is a
-- conflict too.

-- ---------------------------------------------------------------------------------------
-- Grants and row-level security, exactly as for the register tables (0001_security.sql)

GRANT SELECT, INSERT, UPDATE ON
    protection_measures, protected_persons, protection_perpetrators, issuance_holds,
    protection_releases
TO madoguchi_owner;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO madoguchi_owner;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'protection_measures', 'protected_persons', 'protection_perpetrators', 'issuance_holds',
        'protection_releases'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY sync_functions ON %I TO madoguchi_owner USING (true) WITH CHECK (true)', t
        );
    END LOOP;
END
$$;

-- A measure as terminals receive it: its row, its persons and its 加害者 (without the centre's
-- row ids: each terminal numbers its own copies). security_invoker: read with the rights and
-- the RLS policies of whoever reads it (the sync functions' owner); terminals have no grant.
CREATE VIEW protection_measure_images WITH (security_invoker = true) AS
SELECT m.*,
       coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'atena_no', p.atena_no, 'role', p.role,
                     'relation_to_applicant', p.relation_to_applicant) ORDER BY p.id)
                 FROM protected_persons p WHERE p.measure_id = m.measure_id), '[]') AS persons,
       coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'atena_no', x.atena_no, 'name', x.name, 'name_key', x.name_key,
                     'birth_date', x.birth_date, 'sex', x.sex, 'address', x.address,
                     'note', x.note) ORDER BY x.id)
                 FROM protection_perpetrators x WHERE x.measure_id = m.measure_id), '[]')
           AS perpetrators
FROM protection_measures m;
REVOKE ALL ON protection_measure_images FROM PUBLIC;
GRANT SELECT ON protection_measure_images TO madoguchi_owner;

-- The rights of the new op types (also installed with the matrix by the centre setup).
INSERT INTO op_actions (op_type, action) VALUES
    ('register_measure', 'manage_protection'),
    ('extend_measure', 'manage_protection'),
    ('end_measure', 'manage_protection'),
    ('set_hold', 'manage_protection'),
    ('lift_hold', 'manage_protection'),
    ('request_release', 'issue_certificate'),
    ('decide_release', 'release_protection'),
    ('issue_certificate', 'issue_certificate')
ON CONFLICT (op_type) DO UPDATE SET action = EXCLUDED.action;

-- ---------------------------------------------------------------------------------------
-- Helpers

-- The right an op type needs comes from op_actions; an op type without one is refused.
CREATE FUNCTION require_op_right(p_op jsonb) RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_action text;
BEGIN
    SELECT action INTO v_action FROM op_actions WHERE op_type = p_op->>'op_type';
    IF v_action IS NULL THEN
        PERFORM refuse(format(
            'センターの権限表にこの操作（%s）の権限が設定されていません。センターの初期設定を行ってください。',
            p_op->>'op_type'));
    END IF;
    PERFORM require_right(p_op->>'staff_no', v_action, op_on(p_op));
END
$$;

CREATE OR REPLACE FUNCTION row_image(p_entity text, p_key text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
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
        WHEN 'measure' THEN
            (SELECT to_jsonb(t) FROM protection_measure_images t WHERE measure_id = p_key)
        WHEN 'hold' THEN (SELECT to_jsonb(t) FROM issuance_holds t WHERE hold_id = p_key)
        WHEN 'release' THEN
            (SELECT to_jsonb(t) FROM protection_releases t WHERE release_id = p_key)
    END;
END
$$;

-- As in 0001, and the measure, hold and release an op names (null when the centre has none:
-- the terminal then keeps its own row — sync never takes a protection away by itself).
CREATE OR REPLACE FUNCTION restore_images(p_op jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH person_keys AS (
        SELECT value->>'atena_no' AS k FROM jsonb_array_elements(coalesce(p_op->'effect'->'persons', '[]'))
        UNION SELECT key FROM jsonb_each(coalesce(p_op->'payload'->'base_versions'->'persons', '{}'))
    ), household_keys AS (
        SELECT value->>'household_no' AS k FROM jsonb_array_elements(coalesce(p_op->'effect'->'households', '[]'))
        UNION SELECT key FROM jsonb_each(coalesce(p_op->'payload'->'base_versions'->'households', '{}'))
        UNION SELECT p.household_no FROM persons p JOIN person_keys ON p.atena_no = person_keys.k
    )
    SELECT jsonb_build_object(
        'persons', (SELECT coalesce(jsonb_agg(coalesce(row_image('person', k),
                       jsonb_build_object('atena_no', k, 'absent', true))), '[]') FROM person_keys),
        'households', (SELECT coalesce(jsonb_agg(coalesce(row_image('household', k),
                       jsonb_build_object('household_no', k, 'absent', true))), '[]') FROM household_keys),
        'draft', row_image('draft', coalesce(p_op->'payload'->>'draft_id', '')),
        'staff', row_image('staff', coalesce(p_op->'payload'->'account'->>'staff_no', '')),
        'terminal', row_image('terminal', coalesce(p_op->'payload'->'terminal'->>'terminal_id', '')),
        'measure', row_image('measure', coalesce(p_op->'payload'->>'measure_id', '')),
        'hold', row_image('hold', coalesce(p_op->'payload'->>'hold_id', '')),
        'release', row_image('release', coalesce(p_op->'payload'->>'release_id', '')))
$$;

-- A stale change of a measure, hold or release: kept with both versions (R-SYNC-2).
CREATE FUNCTION protection_conflict(p_op jsonb, p_entity text, p_key text, p_reason text,
                                    p_expected jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    RETURN conflict(p_op || jsonb_build_object('effect', p_op->'payload'), NULL, p_reason,
                    jsonb_build_array(jsonb_build_object(
                        'entity', p_entity, 'key', p_key, 'expected', p_expected,
                        'central', row_image(p_entity, p_key))));
END
$$;

-- ---------------------------------------------------------------------------------------
-- The ops

CREATE FUNCTION op_register_measure(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'measure_id';
    v_image jsonb := p_op->'payload'->'measure';
BEGIN
    PERFORM require_op_right(p_op);
    IF v_image IS NULL OR v_image->>'measure_id' IS DISTINCT FROM v_id THEN
        PERFORM refuse('支援措置の内容が送られていません。');
    END IF;
    IF v_image->>'registered_by' IS DISTINCT FROM v_staff THEN
        PERFORM refuse('支援措置の登録者と操作した職員が一致しません。');
    END IF;
    IF (v_image->>'row_version')::int IS DISTINCT FROM 1 OR v_image->>'ended_on' IS NOT NULL
       OR (v_image->>'ends_on')::date < (v_image->>'starts_on')::date THEN
        PERFORM refuse('新しい支援措置の内容（版・期間）が正しくありません。');
    END IF;
    IF (SELECT count(*) FROM jsonb_array_elements(coalesce(v_image->'persons', '[]')) e
        WHERE e.value->>'role' = 'applicant') <> 1 THEN
        PERFORM refuse('支援措置の申出者が一人に定まっていません。');
    END IF;
    IF jsonb_array_length(coalesce(v_image->'perpetrators', '[]')) = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(v_image->'perpetrators') e
                  WHERE coalesce(btrim(e.value->>'name'), '') = '') THEN
        PERFORM refuse('支援措置の加害者の氏名が送られていません。');
    END IF;
    IF EXISTS (SELECT 1 FROM protection_measures WHERE measure_id = v_id) THEN
        PERFORM refuse('この支援措置はセンターに既に登録されています。');
    END IF;
    PERFORM upsert_image('protection_measures', 'measure_id', v_image);
    INSERT INTO protected_persons (measure_id, atena_no, role, relation_to_applicant)
    SELECT v_id, r.atena_no, r.role, r.relation_to_applicant
    FROM jsonb_array_elements(v_image->'persons') WITH ORDINALITY AS e(value, n)
    CROSS JOIN LATERAL jsonb_populate_record(NULL::protected_persons, e.value) AS r
    ORDER BY e.n;
    INSERT INTO protection_perpetrators (measure_id, atena_no, name, name_key, birth_date, sex,
                                         address, note)
    SELECT v_id, r.atena_no, r.name, r.name_key, r.birth_date, r.sex, r.address, r.note
    FROM jsonb_array_elements(v_image->'perpetrators') WITH ORDINALITY AS e(value, n)
    CROSS JOIN LATERAL jsonb_populate_record(NULL::protection_perpetrators, e.value) AS r
    ORDER BY e.n;
    RETURN applied(p_op, jsonb_build_array(change_of('measure', v_id)));
END
$$;

-- extend_measure and end_measure: from the version the terminal changed.
CREATE FUNCTION op_change_measure(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'measure_id';
    v_base int := (p_op->'payload'->>'base_version')::int;
    v_image jsonb := p_op->'payload'->'measure';
    v_central protection_measures;
BEGIN
    PERFORM require_op_right(p_op);
    IF v_image IS NULL OR v_image->>'measure_id' IS DISTINCT FROM v_id OR v_base IS NULL THEN
        PERFORM refuse('支援措置の変更内容が送られていません。');
    END IF;
    SELECT * INTO v_central FROM protection_measures WHERE measure_id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM refuse('センターにこの支援措置がありません。');
    END IF;
    IF v_central.row_version <> v_base OR v_central.ended_on IS NOT NULL THEN
        RETURN protection_conflict(p_op, 'measure', v_id,
            'この支援措置は、センターでは別の操作により変更（延長・終了）されています。',
            jsonb_build_object('row_version', v_base));
    END IF;
    IF (v_image->>'row_version')::int IS DISTINCT FROM v_base + 1 THEN
        PERFORM refuse('支援措置の変更後の版が正しくありません。');
    END IF;
    IF p_op->>'op_type' = 'extend_measure' THEN
        IF (v_image->>'ends_on')::date <= v_central.ends_on
           OR (v_image->>'extensions')::int IS DISTINCT FROM v_central.extensions + 1
           OR v_image->>'ended_on' IS NOT NULL THEN
            PERFORM refuse('支援措置の延長の内容が正しくありません。');
        END IF;
        UPDATE protection_measures
           SET ends_on = (v_image->>'ends_on')::date, extensions = v_central.extensions + 1,
               row_version = v_base + 1
         WHERE measure_id = v_id;
    ELSE
        IF v_image->>'ended_on' IS NULL OR v_image->>'ended_by' IS DISTINCT FROM v_staff
           OR length(btrim(coalesce(v_image->>'end_reason', ''))) < 2 THEN
            PERFORM refuse('支援措置の終了の内容（終了日・職員・理由）が正しくありません。');
        END IF;
        UPDATE protection_measures
           SET ended_on = (v_image->>'ended_on')::date, ended_by = v_staff,
               end_reason = v_image->>'end_reason', row_version = v_base + 1
         WHERE measure_id = v_id;
    END IF;
    RETURN applied(p_op, jsonb_build_array(change_of('measure', v_id)));
END
$$;

CREATE FUNCTION op_set_hold(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_id text := p_op->'payload'->>'hold_id';
    v_image jsonb := p_op->'payload'->'hold';
BEGIN
    PERFORM require_op_right(p_op);
    IF v_image IS NULL OR v_image->>'hold_id' IS DISTINCT FROM v_id THEN
        PERFORM refuse('発行抑止の内容が送られていません。');
    END IF;
    IF v_image->>'set_by' IS DISTINCT FROM p_op->>'staff_no' THEN
        PERFORM refuse('発行抑止を設定した職員と操作した職員が一致しません。');
    END IF;
    IF (v_image->>'atena_no' IS NULL) = (v_image->>'household_no' IS NULL)
       OR v_image->>'level' NOT IN ('error', 'alert')
       OR length(btrim(coalesce(v_image->>'reason', ''))) < 2
       OR v_image->>'lifted_on' IS NOT NULL
       OR (v_image->>'row_version')::int IS DISTINCT FROM 1 THEN
        PERFORM refuse('新しい発行抑止の内容（対象・レベル・理由）が正しくありません。');
    END IF;
    IF EXISTS (SELECT 1 FROM issuance_holds WHERE hold_id = v_id) THEN
        PERFORM refuse('この発行抑止はセンターに既に登録されています。');
    END IF;
    PERFORM upsert_image('issuance_holds', 'hold_id', v_image);
    RETURN applied(p_op, jsonb_build_array(change_of('hold', v_id)));
END
$$;

CREATE FUNCTION op_lift_hold(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'hold_id';
    v_base int := (p_op->'payload'->>'base_version')::int;
    v_image jsonb := p_op->'payload'->'hold';
    v_central issuance_holds;
BEGIN
    PERFORM require_op_right(p_op);
    IF v_image IS NULL OR v_image->>'hold_id' IS DISTINCT FROM v_id OR v_base IS NULL THEN
        PERFORM refuse('発行抑止の解除の内容が送られていません。');
    END IF;
    SELECT * INTO v_central FROM issuance_holds WHERE hold_id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM refuse('センターにこの発行抑止がありません。');
    END IF;
    IF v_central.row_version <> v_base OR v_central.lifted_on IS NOT NULL THEN
        RETURN protection_conflict(p_op, 'hold', v_id,
            'この発行抑止は、センターでは別の操作により変更・解除されています。',
            jsonb_build_object('row_version', v_base));
    END IF;
    IF v_image->>'lifted_on' IS NULL OR v_image->>'lifted_by' IS DISTINCT FROM v_staff
       OR (v_image->>'row_version')::int IS DISTINCT FROM v_base + 1 THEN
        PERFORM refuse('発行抑止の解除の内容（解除日・職員・版）が正しくありません。');
    END IF;
    UPDATE issuance_holds
       SET lifted_on = (v_image->>'lifted_on')::date, lifted_by = v_staff,
           lift_reason = v_image->>'lift_reason', row_version = v_base + 1
     WHERE hold_id = v_id;
    RETURN applied(p_op, jsonb_build_array(change_of('hold', v_id)));
END
$$;

CREATE FUNCTION op_request_release(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_id text := p_op->'payload'->>'release_id';
    v_image jsonb := p_op->'payload'->'release';
BEGIN
    PERFORM require_op_right(p_op);
    IF v_image IS NULL OR v_image->>'release_id' IS DISTINCT FROM v_id THEN
        PERFORM refuse('一時解除の依頼の内容が送られていません。');
    END IF;
    IF v_image->>'requested_by' IS DISTINCT FROM p_op->>'staff_no'
       OR v_image->>'terminal_id' IS DISTINCT FROM p_op->>'terminal_id'
       OR v_image->>'status' IS DISTINCT FROM 'pending' OR v_image->>'decided_by' IS NOT NULL THEN
        PERFORM refuse('一時解除の依頼の内容（依頼者・端末・状態）が正しくありません。');
    END IF;
    IF EXISTS (SELECT 1 FROM protection_releases WHERE release_id = v_id) THEN
        PERFORM refuse('この一時解除の依頼はセンターに既に登録されています。');
    END IF;
    PERFORM upsert_image('protection_releases', 'release_id', v_image);
    RETURN applied(p_op, jsonb_build_array(change_of('release', v_id)));
END
$$;

CREATE FUNCTION op_decide_release(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'release_id';
    v_image jsonb := p_op->'payload'->'release';
    v_central protection_releases;
BEGIN
    PERFORM require_op_right(p_op);
    IF v_image IS NULL OR v_image->>'release_id' IS DISTINCT FROM v_id THEN
        PERFORM refuse('一時解除の審査の内容が送られていません。');
    END IF;
    SELECT * INTO v_central FROM protection_releases WHERE release_id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM refuse('センターにこの一時解除の依頼がありません。');
    END IF;
    IF v_central.requested_by = v_staff THEN
        PERFORM refuse('自分が受け付けた請求の一時解除はできません（別の支援措置責任者が審査します）。');
    END IF;
    IF v_image->>'decided_by' IS DISTINCT FROM v_staff
       OR v_image->>'status' NOT IN ('released', 'refused')
       OR length(btrim(coalesce(v_image->>'decision_reason', ''))) < 2
       OR (v_image->>'status' = 'released' AND v_image->>'valid_until' IS NULL) THEN
        PERFORM refuse('一時解除の審査の内容（審査者・結果・理由・有効時間）が正しくありません。');
    END IF;
    IF v_central.status <> 'pending' THEN
        RETURN protection_conflict(p_op, 'release', v_id,
            'この一時解除の依頼は、センターでは既に審査されています。',
            jsonb_build_object('status', 'pending'));
    END IF;
    UPDATE protection_releases
       SET status = v_image->>'status', decided_by = v_staff,
           decided_at = (v_image->>'decided_at')::timestamp,
           decision_reason = v_image->>'decision_reason',
           valid_until = (v_image->>'valid_until')::timestamp
     WHERE release_id = v_id;
    RETURN applied(p_op, jsonb_build_array(change_of('release', v_id)));
END
$$;

-- An issuance is a fact: journalled after the right check, never refused for the state of
-- a release. The release it used is marked used here, so no other window can use it again;
-- when the centre did not hold it as released (used elsewhere, never decided here) the
-- answer and the journal say so for the 支援措置責任者.
CREATE FUNCTION op_issue_certificate(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_release text := p_op->'payload'->>'release_id';
    v_changes jsonb := '[]';
    v_payload jsonb := coalesce(p_op->'payload', '{}');
    v_status text;
BEGIN
    PERFORM require_op_right(p_op);
    IF v_release IS NOT NULL THEN
        UPDATE protection_releases
           SET status = 'used',
               used_at = coalesce((p_op->'payload'->>'issued_at')::timestamp,
                                  (p_op->>'created_at')::timestamp),
               used_by_issue = p_op->'payload'->>'issue_id'
         WHERE release_id = v_release AND status = 'released'
        RETURNING status INTO v_status;
        IF v_status IS NULL THEN
            v_payload := v_payload || jsonb_build_object('release_state_at_centre',
                coalesce((SELECT status FROM protection_releases WHERE release_id = v_release),
                         'unknown'));
        ELSE
            v_changes := jsonb_build_array(change_of('release', v_release));
        END IF;
    END IF;
    INSERT INTO op_journal (op_id, op_type, terminal_id, staff_no, created_at, payload)
    VALUES ((p_op->>'op_id')::uuid, p_op->>'op_type', p_op->>'terminal_id', p_op->>'staff_no',
            (p_op->>'created_at')::timestamp, v_payload);
    RETURN applied(p_op, v_changes)
           || CASE WHEN v_payload ? 'release_state_at_centre'
                   THEN jsonb_build_object('warning', format(
                       '一時解除 %s はセンターでは交付に使える状態ではありませんでした（%s）。',
                       v_release, v_payload->>'release_state_at_centre'))
                   ELSE '{}' END;
END
$$;

CREATE OR REPLACE FUNCTION apply_op(p_terminal text, p_op jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_type text := p_op->>'op_type';
BEGIN
    IF p_op->>'terminal_id' IS DISTINCT FROM p_terminal THEN
        PERFORM refuse(format('操作の端末ID %s が接続した端末 %s と一致しません。',
                              p_op->>'terminal_id', p_terminal));
    END IF;
    CASE v_type
        WHEN 'audit_entry' THEN RETURN op_audit_entry(p_op);
        WHEN 'submit_draft' THEN RETURN op_submit_draft(p_op);
        WHEN 'withdraw_draft' THEN RETURN op_withdraw_draft(p_op);
        WHEN 'reject_draft' THEN RETURN op_reject_draft(p_op);
        WHEN 'approve_draft' THEN RETURN op_approve_draft(p_op);
        WHEN 'staff_changed' THEN RETURN op_staff_changed(p_op);
        WHEN 'terminal_changed' THEN RETURN op_terminal_changed(p_op);
        WHEN 'resolve_conflict' THEN RETURN op_resolve_conflict(p_op);
        WHEN 'register_measure' THEN RETURN op_register_measure(p_op);
        WHEN 'extend_measure', 'end_measure' THEN RETURN op_change_measure(p_op);
        WHEN 'set_hold' THEN RETURN op_set_hold(p_op);
        WHEN 'lift_hold' THEN RETURN op_lift_hold(p_op);
        WHEN 'request_release' THEN RETURN op_request_release(p_op);
        WHEN 'decide_release' THEN RETURN op_decide_release(p_op);
        WHEN 'issue_certificate' THEN RETURN op_issue_certificate(p_op);
        ELSE
            IF EXISTS (SELECT 1 FROM op_actions WHERE op_type = v_type) THEN
                RETURN op_journal_entry(p_op);
            END IF;
            PERFORM refuse(format('センターが扱えない操作の種類です（%s）。', v_type));
            RETURN NULL;
    END CASE;
END
$$;

-- ---------------------------------------------------------------------------------------
-- The API functions that learn the new ops and tables

CREATE OR REPLACE FUNCTION sync.push(p_ops jsonb) RETURNS jsonb
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
                            'staff_changed', 'terminal_changed',
                            'register_measure', 'extend_measure', 'end_measure', 'set_hold',
                            'lift_hold', 'request_release', 'decide_release')
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

CREATE OR REPLACE FUNCTION sync.snapshot_head() RETURNS jsonb
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
            'terminals', (SELECT count(*) FROM terminals),
            'protection_measure_images', (SELECT count(*) FROM protection_measures),
            'issuance_holds', (SELECT count(*) FROM issuance_holds),
            'protection_releases', (SELECT count(*) FROM protection_releases)));
END
$$;

CREATE OR REPLACE FUNCTION sync.snapshot_chunk(p_table text, p_after text, p_limit integer)
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
        WHEN 'protection_measure_images' THEN 'measure_id'
        WHEN 'issuance_holds' THEN 'hold_id'
        WHEN 'protection_releases' THEN 'release_id'
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

-- ---------------------------------------------------------------------------------------
-- Ownership and EXECUTE, as at the end of 0001_api.sql: the helpers run only inside the API.

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
