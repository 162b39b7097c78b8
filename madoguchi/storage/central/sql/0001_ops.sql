-- One function per op type (revision 0001), called by sync.push (0001_api.sql).

-- ---------------------------------------------------------------------------------------
-- One function per op type

CREATE FUNCTION op_audit_entry(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v jsonb := p_op->'payload';
    v_terminal text := p_op->>'terminal_id';
    v_seq int := (v->>'seq')::int;
    v_last audit_log;
    v_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit/' || v_terminal));
    SELECT * INTO v_last FROM audit_log WHERE terminal_id = v_terminal ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        IF v_seq <> 1 OR v->>'prev_hash' <> repeat('0', 64) THEN
            PERFORM refuse(format('監査ログの連鎖の始まりが見つかりません（端末 %s、連番 %s）。',
                                  v_terminal, v_seq));
        END IF;
    ELSIF v_seq <> v_last.seq + 1 OR v->>'prev_hash' IS DISTINCT FROM v_last.entry_hash THEN
        PERFORM refuse(format('監査ログの連鎖が切れています（端末 %s、連番 %s）。', v_terminal, v_seq));
    END IF;
    v_hash := encode(sha256(convert_to(canonical_json(jsonb_build_object(
        'prev_hash', v->'prev_hash', 'terminal_id', v_terminal, 'seq', v_seq, 'at', v->'at',
        'staff_no', p_op->'staff_no', 'action', v->'action',
        'target_persons', coalesce(v->'target_persons', '[]'),
        'detail', coalesce(v->'detail', '{}'), 'purpose', coalesce(v->'purpose', 'null'))),
        'UTF8')), 'hex');
    IF v_hash IS DISTINCT FROM v->>'entry_hash' THEN
        PERFORM refuse(format('監査ログの内容がハッシュと一致しません（端末 %s、連番 %s）。',
                              v_terminal, v_seq));
    END IF;
    INSERT INTO audit_log (terminal_id, seq, at, staff_no, action, target_persons, detail,
                           purpose, prev_hash, entry_hash)
    VALUES (v_terminal, v_seq, (v->>'at')::timestamp, p_op->>'staff_no', v->>'action',
            coalesce(v->'target_persons', '[]'), coalesce(v->'detail', '{}'), v->>'purpose',
            v->>'prev_hash', v->>'entry_hash');
    RETURN applied(p_op, '[]');
END
$$;

CREATE FUNCTION op_submit_draft(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'draft_id';
    v_image jsonb := p_op->'effect'->'draft';
    v_central drafts;
BEGIN
    IF v_image IS NULL OR v_image->>'draft_id' IS DISTINCT FROM v_id THEN
        PERFORM refuse('仮登録の内容が送られていません。');
    END IF;
    PERFORM require_right(v_staff,
        CASE WHEN v_image->>'kind' IN ('correction', 'cancellation')
             THEN 'propose_correction' ELSE 'intake' END, op_on(p_op));
    IF v_image->>'maker_staff_no' IS DISTINCT FROM v_staff THEN
        PERFORM refuse('仮登録の作成者と操作した職員が一致しません。');
    END IF;
    SELECT * INTO v_central FROM drafts WHERE draft_id = v_id FOR UPDATE;
    IF FOUND AND (v_central.status NOT IN ('draft', 'rejected')
                  OR v_central.maker_staff_no <> v_staff) THEN
        RETURN conflict(p_op, v_id, 'この仮登録はセンターで既に決裁・取下げされています。',
                        jsonb_build_array(jsonb_build_object(
                            'entity', 'draft', 'key', v_id, 'central_status', v_central.status)));
    END IF;
    -- A submitted draft waits for review, whatever the terminal's row says by now.
    PERFORM upsert_image('drafts', 'draft_id',
        v_image || jsonb_build_object(
            'status', 'draft', 'status_reason', NULL, 'reviewer_staff_no', NULL,
            'reviewed_at', NULL, 'process_id', NULL, 'applied', NULL,
            'row_version', coalesce(v_central.row_version, 0) + 1));
    RETURN applied(p_op, jsonb_build_array(change_of('draft', v_id)));
END
$$;

CREATE FUNCTION op_withdraw_draft(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'draft_id';
    v_central drafts;
BEGIN
    SELECT * INTO v_central FROM drafts WHERE draft_id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM refuse('センターにこの仮登録がありません。');
    END IF;
    IF v_central.maker_staff_no <> v_staff THEN
        PERFORM refuse('他の職員が作成した仮登録は取り下げられません。');
    END IF;
    IF v_central.status NOT IN ('draft', 'rejected') THEN
        RETURN conflict(p_op, v_id, 'この仮登録はセンターで既に決裁・取下げされています。',
                        jsonb_build_array(jsonb_build_object(
                            'entity', 'draft', 'key', v_id, 'central_status', v_central.status)));
    END IF;
    UPDATE drafts
       SET status = 'withdrawn', status_reason = p_op->'payload'->>'reason',
           updated_at = (p_op->>'created_at')::timestamp, row_version = row_version + 1
     WHERE draft_id = v_id;
    RETURN applied(p_op, jsonb_build_array(change_of('draft', v_id))
                         || supersede_conflicts(v_id, v_staff));
END
$$;

CREATE FUNCTION op_reject_draft(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'draft_id';
    v_central drafts;
BEGIN
    PERFORM require_right(v_staff, 'review', op_on(p_op));
    SELECT * INTO v_central FROM drafts WHERE draft_id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM refuse('センターにこの仮登録がありません。');
    END IF;
    IF v_central.status <> 'draft' THEN
        RETURN conflict(p_op, v_id, 'この仮登録はセンターで既に審査済みか取り下げられています。',
                        jsonb_build_array(jsonb_build_object(
                            'entity', 'draft', 'key', v_id, 'central_status', v_central.status)));
    END IF;
    UPDATE drafts
       SET status = 'rejected', status_reason = p_op->'payload'->>'reason',
           reviewer_staff_no = v_staff, reviewed_at = (p_op->>'created_at')::timestamp,
           row_version = row_version + 1
     WHERE draft_id = v_id;
    RETURN applied(p_op, jsonb_build_array(change_of('draft', v_id))
                         || supersede_conflicts(v_id, v_staff));
END
$$;

-- Is the central row what the approval was based on?  Base NULL: the row must not exist yet.
CREATE FUNCTION stale_entry(p_entity text, p_key text, p_base jsonb, p_found boolean,
                            p_version int, p_process_id text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN (p_base IS NULL OR jsonb_typeof(p_base) = 'null') AND NOT p_found THEN NULL
        WHEN (p_base IS NULL OR jsonb_typeof(p_base) = 'null')
             OR NOT p_found
             OR p_version IS DISTINCT FROM (p_base->>'row_version')::int
             OR (p_base ? 'process_id' AND p_process_id IS DISTINCT FROM p_base->>'process_id')
        THEN jsonb_build_object(
            'entity', p_entity, 'key', p_key, 'expected', p_base,
            'central', CASE WHEN p_found THEN jsonb_build_object(
                'row_version', p_version, 'process_id', p_process_id) END)
    END
$$;

CREATE FUNCTION op_approve_draft(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id text := p_op->'payload'->>'draft_id';
    v_process text := p_op->'payload'->>'process_id';
    v_effect jsonb := p_op->'effect';
    v_draft drafts;
    v_stale jsonb := '[]';
    v_item jsonb;
    v_after jsonb;
    v_person persons;
    v_household households;
    v_key text;
    v_changes jsonb := '[]';
    v_entry jsonb;
BEGIN
    IF v_effect IS NULL OR v_effect->'draft' IS NULL THEN
        PERFORM refuse('決裁の内容が送られていません。');
    END IF;
    SELECT * INTO v_draft FROM drafts WHERE draft_id = v_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM refuse('センターにこの仮登録がありません。');
    END IF;
    PERFORM require_right(v_staff, 'review', op_on(p_op));
    IF v_draft.kind IN ('correction', 'cancellation') THEN
        PERFORM require_right(v_staff, 'approve_correction', op_on(p_op));
    END IF;
    IF v_draft.maker_staff_no = v_staff THEN
        PERFORM refuse('自分が受け付けた、または修正した届出は決裁できません。');
    END IF;
    IF v_draft.status <> 'draft' THEN
        v_stale := v_stale || jsonb_build_object('entity', 'draft', 'key', v_id,
                                                 'central_status', v_draft.status);
    ELSIF v_draft.form IS DISTINCT FROM v_effect->'draft'->'form' THEN
        v_stale := v_stale || jsonb_build_object('entity', 'draft', 'key', v_id,
                                                 'central_revision', v_draft.revision);
    END IF;

    -- Every household and person the approval touches, locked in key order.
    FOR v_item IN SELECT value FROM jsonb_array_elements(coalesce(v_effect->'households', '[]'))
                  ORDER BY value->>'household_no' LOOP
        SELECT * INTO v_household FROM households
         WHERE household_no = v_item->>'household_no' FOR UPDATE;
        v_entry := stale_entry('household', v_item->>'household_no', v_item->'base', FOUND,
                               v_household.row_version, v_household.process_id);
        IF v_entry IS NOT NULL THEN v_stale := v_stale || v_entry; END IF;
    END LOOP;
    FOR v_item IN SELECT value FROM jsonb_array_elements(coalesce(v_effect->'persons', '[]'))
                  ORDER BY value->>'atena_no' LOOP
        SELECT * INTO v_person FROM persons WHERE atena_no = v_item->>'atena_no' FOR UPDATE;
        v_entry := stale_entry('person', v_item->>'atena_no', v_item->'base', FOUND,
                               v_person.row_version, v_person.process_id);
        IF v_entry IS NOT NULL THEN v_stale := v_stale || v_entry; END IF;
    END LOOP;
    -- Touched but unchanged (the draft's base versions): the version must still hold.
    FOR v_key, v_item IN SELECT key, value FROM jsonb_each(
            coalesce(p_op->'payload'->'base_versions'->'persons', '{}')) LOOP
        CONTINUE WHEN v_effect->'persons' @> jsonb_build_array(jsonb_build_object('atena_no', v_key));
        SELECT * INTO v_person FROM persons WHERE atena_no = v_key;
        v_entry := stale_entry('person', v_key, jsonb_build_object('row_version', v_item), FOUND,
                               v_person.row_version, v_person.process_id);
        IF v_entry IS NOT NULL THEN v_stale := v_stale || v_entry; END IF;
    END LOOP;
    FOR v_key, v_item IN SELECT key, value FROM jsonb_each(
            coalesce(p_op->'payload'->'base_versions'->'households', '{}')) LOOP
        CONTINUE WHEN v_effect->'households'
                      @> jsonb_build_array(jsonb_build_object('household_no', v_key));
        SELECT * INTO v_household FROM households WHERE household_no = v_key;
        v_entry := stale_entry('household', v_key, jsonb_build_object('row_version', v_item),
                               FOUND, v_household.row_version, v_household.process_id);
        IF v_entry IS NOT NULL THEN v_stale := v_stale || v_entry; END IF;
    END LOOP;

    IF jsonb_array_length(v_stale) > 0 THEN
        RETURN conflict(p_op, v_id,
            '決裁の元になった住民・世帯・仮登録が、センターでは別の操作により更新されています。',
            v_stale);
    END IF;

    -- Apply: households first (persons refer to them), then persons, history, queues, draft.
    FOR v_item IN SELECT value FROM jsonb_array_elements(coalesce(v_effect->'households', '[]'))
                  ORDER BY value->>'household_no' LOOP
        v_after := v_item->'after';
        CONTINUE WHEN v_after IS NULL OR jsonb_typeof(v_after) = 'null';
        IF v_after->>'household_no' IS DISTINCT FROM v_item->>'household_no'
           OR v_after->>'process_id' IS DISTINCT FROM v_process
           OR (v_after->>'row_version')::int <= coalesce((v_item->'base'->>'row_version')::int, 0) THEN
            PERFORM refuse(format('世帯 %s の変更内容が決裁と一致しません。', v_item->>'household_no'));
        END IF;
        PERFORM upsert_image('households', 'household_no', v_after);
        v_changes := v_changes || jsonb_build_array(change_of('household', v_item->>'household_no'));
    END LOOP;
    FOR v_item IN SELECT value FROM jsonb_array_elements(coalesce(v_effect->'persons', '[]'))
                  ORDER BY value->>'atena_no' LOOP
        v_after := v_item->'after';
        IF v_after->>'atena_no' IS DISTINCT FROM v_item->>'atena_no'
           OR v_after->>'process_id' IS DISTINCT FROM v_process
           OR (v_after->>'row_version')::int <= coalesce((v_item->'base'->>'row_version')::int, 0) THEN
            PERFORM refuse(format('住民 %s の変更内容が決裁と一致しません。', v_item->>'atena_no'));
        END IF;
        PERFORM upsert_image('persons', 'atena_no', v_after);
        v_changes := v_changes || jsonb_build_array(change_of('person', v_item->>'atena_no'));
    END LOOP;
    FOR v_item IN SELECT value FROM jsonb_array_elements(coalesce(v_effect->'history', '[]')) LOOP
        IF v_item->>'process_id' IS DISTINCT FROM v_process THEN
            PERFORM refuse('異動履歴の処理IDが決裁と一致しません。');
        END IF;
        INSERT INTO change_history (atena_no, household_no, change_reason, change_date,
            change_date_qualifier, notified_on, processed_at, process_id, terminal_id, staff_no,
            summary, before, after)
        SELECT atena_no, household_no, change_reason, change_date, change_date_qualifier,
               notified_on, processed_at, process_id, terminal_id, staff_no, summary, before, after
        FROM jsonb_populate_record(NULL::change_history, v_item - 'id')
        ON CONFLICT (atena_no, process_id) DO NOTHING;
        v_changes := v_changes || jsonb_build_array(change_of(
            'history', (v_item->>'atena_no') || '/' || v_process));
    END LOOP;
    INSERT INTO interface_records (record_id, queue, record_type, draft_id, atena_no, payload,
                                   created_at, status, attempts)
    SELECT r.record_id, r.queue, r.record_type, v_id, r.atena_no, r.payload, r.created_at,
           'pending', 0
    FROM jsonb_populate_recordset(NULL::interface_records,
                                  coalesce(v_effect->'interface_records', '[]')) AS r
    ORDER BY r.seq
    ON CONFLICT (record_id) DO NOTHING;
    UPDATE drafts
       SET status = 'approved', reviewer_staff_no = v_staff,
           reviewed_at = (p_op->>'created_at')::timestamp, process_id = v_process,
           applied = v_effect->'draft'->'applied', base_versions = v_effect->'draft'->'base_versions',
           revision = greatest(revision, (v_effect->'draft'->>'revision')::int),
           row_version = row_version + 1
     WHERE draft_id = v_id;
    v_changes := v_changes || jsonb_build_array(change_of('draft', v_id))
                 || supersede_conflicts(v_id, v_staff);
    RETURN applied(p_op, v_changes);
END
$$;

CREATE FUNCTION op_staff_changed(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_account jsonb := p_op->'payload'->'account';
    v_key text := v_account->>'staff_no';
    v_central staff;
BEGIN
    PERFORM require_right(v_staff, 'staff_admin', op_on(p_op));
    SELECT * INTO v_central FROM staff WHERE staff_no = v_key FOR UPDATE;
    IF v_key = v_staff AND (NOT FOUND OR v_central.roles IS DISTINCT FROM v_account->'roles'
                            OR v_central.disabled IS DISTINCT FROM (v_account->>'disabled')::boolean
                            OR v_central.valid_until IS DISTINCT FROM (v_account->>'valid_until')::date) THEN
        PERFORM refuse('自分自身のアカウントの権限・有効性は変更できません。');
    END IF;
    IF v_account->'roles' @> '["contractor", "supervisor"]' THEN
        PERFORM refuse('委託事業者オペレーターは審査・決裁者を兼ねられません。');
    END IF;
    PERFORM upsert_image('staff', 'staff_no',
        v_account || jsonb_build_object('row_version', coalesce(v_central.row_version, 0) + 1));
    RETURN applied(p_op, jsonb_build_array(change_of('staff', v_key)));
END
$$;

CREATE FUNCTION op_terminal_changed(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_terminal jsonb := p_op->'payload'->'terminal';
BEGIN
    PERFORM require_right(p_op->>'staff_no', 'staff_admin', op_on(p_op));
    IF v_terminal->>'terminal_id' = p_op->>'terminal_id'
       AND NOT coalesce((v_terminal->>'active')::boolean, true) THEN
        PERFORM refuse('操作中の端末自身は無効にできません。');
    END IF;
    PERFORM upsert_image('terminals', 'terminal_id', v_terminal - 'db_role');
    RETURN applied(p_op, jsonb_build_array(change_of('terminal', v_terminal->>'terminal_id')));
END
$$;

CREATE FUNCTION op_resolve_conflict(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_staff text := p_op->>'staff_no';
    v_id bigint := (p_op->'payload'->>'conflict_id')::bigint;
BEGIN
    PERFORM require_right(v_staff, 'review', op_on(p_op));
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

-- Ops that only record what a terminal did (certificate issuance …): the right they need
-- comes from op_actions, installed with the permission matrix.
CREATE FUNCTION op_journal_entry(p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_action text;
BEGIN
    SELECT action INTO v_action FROM op_actions WHERE op_type = p_op->>'op_type';
    PERFORM require_right(p_op->>'staff_no', v_action, op_on(p_op));
    INSERT INTO op_journal (op_id, op_type, terminal_id, staff_no, created_at, payload)
    VALUES ((p_op->>'op_id')::uuid, p_op->>'op_type', p_op->>'terminal_id', p_op->>'staff_no',
            (p_op->>'created_at')::timestamp, coalesce(p_op->'payload', '{}'));
    RETURN applied(p_op, '[]');
END
$$;

CREATE FUNCTION apply_op(p_terminal text, p_op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
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
        ELSE
            IF EXISTS (SELECT 1 FROM op_actions WHERE op_type = v_type) THEN
                RETURN op_journal_entry(p_op);
            END IF;
            PERFORM refuse(format('センターが扱えない操作の種類です（%s）。', v_type));
            RETURN NULL;
    END CASE;
END
$$;
