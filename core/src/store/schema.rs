//! The schema, as ordered migrations embedded in the binary. `PRAGMA user_version` holds how many have
//! run; a database with a higher number was written by a newer Sotay and is refused, never opened.

/// Each entry runs once, in order, inside the transaction that bumps `user_version`.
pub const MIGRATIONS: &[&str] = &[
    // 1: installation, records with their index columns, event numbers, change log, search, drafts.
    r#"
    CREATE TABLE installation (
        singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
        origin       TEXT NOT NULL,
        unit_id      TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        hlc_millis   INTEGER NOT NULL DEFAULT 0,
        hlc_counter  INTEGER NOT NULL DEFAULT 0,
        last_seq     INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE records (
        rowid       INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL,
        owner_unit  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
        title       TEXT NOT NULL,
        start       TEXT,
        "end"       TEXT,
        status      TEXT,
        subtype     TEXT,
        link_id     TEXT,
        body        TEXT NOT NULL CHECK (json_valid(body))
    );
    CREATE INDEX records_kind_unit_start ON records (kind, owner_unit, start) WHERE deleted = 0;
    CREATE INDEX records_kind_start ON records (kind, start) WHERE deleted = 0;
    CREATE INDEX records_kind_updated ON records (kind, updated_at) WHERE deleted = 0;
    CREATE INDEX records_link ON records (link_id) WHERE link_id IS NOT NULL;

    CREATE TABLE event_facts (
        rowid              INTEGER PRIMARY KEY REFERENCES records (rowid) ON DELETE CASCADE,
        mode               TEXT NOT NULL,
        members            INTEGER NOT NULL,
        non_members        INTEGER NOT NULL,
        others             INTEGER NOT NULL,
        male               INTEGER NOT NULL,
        female             INTEGER NOT NULL,
        unique_reached     INTEGER NOT NULL,
        connection_points  INTEGER NOT NULL,
        posts              INTEGER NOT NULL,
        views              INTEGER NOT NULL,
        interactions       INTEGER NOT NULL,
        opinions           INTEGER NOT NULL
    );

    CREATE TABLE change_log (
        origin      TEXT NOT NULL,
        seq         INTEGER NOT NULL CHECK (seq > 0),
        hlc         TEXT NOT NULL,
        entity      TEXT NOT NULL,
        record_id   TEXT NOT NULL,
        op          TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
        owner_unit  TEXT NOT NULL,
        fields      TEXT NOT NULL CHECK (json_valid(fields)),
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (origin, seq)
    ) WITHOUT ROWID;
    CREATE INDEX change_log_record ON change_log (record_id);

    -- Two contentless indexes sharing the records' rowids: words as typed (lower case, tones kept) and
    -- folded (no marks, đ→d). Text is prepared in Rust, so the tokenizer only splits on separators.
    CREATE VIRTUAL TABLE search_exact USING fts5 (
        t, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
    );
    CREATE VIRTUAL TABLE search_folded USING fts5 (
        t, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
    );

    CREATE TABLE drafts (
        key       TEXT PRIMARY KEY,
        data      TEXT NOT NULL CHECK (json_valid(data)),
        saved_at  TEXT NOT NULL
    );

    CREATE TABLE settings (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    "#,
    // 2: sync. Keys of this installation, Lamport clock and per-field versions for merging, peers and
    // their keys, what each origin's log holds here, receipts, held and imported bundles, conflicts.
    r#"
    ALTER TABLE installation ADD COLUMN secret_key BLOB;
    ALTER TABLE installation ADD COLUMN public_key BLOB;
    ALTER TABLE installation ADD COLUMN lamport INTEGER NOT NULL DEFAULT 0;

    ALTER TABLE change_log ADD COLUMN lamport INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE change_log ADD COLUMN prev TEXT NOT NULL DEFAULT '{}';

    -- The version (Lamport time, origin) that last set each field of a record, as one JSON object
    -- {field: [lamport, origin]} per record: merges compare these. One row per record, not per field,
    -- because every write touches many fields at once.
    CREATE TABLE record_versions (
        record_id  TEXT PRIMARY KEY,
        versions   TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Fields of records whose create has not arrived yet (another origin edited first).
    CREATE TABLE pending_fields (
        record_id   TEXT NOT NULL,
        field       TEXT NOT NULL,
        value       TEXT NOT NULL,
        lamport     INTEGER NOT NULL,
        origin      TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (record_id, field)
    ) WITHOUT ROWID;

    CREATE TABLE peers (
        installation  TEXT PRIMARY KEY,
        unit_id       TEXT NOT NULL,
        public_key    BLOB NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('lower', 'upper')),
        enrolled_at   TEXT NOT NULL
    );

    -- For every origin whose changes this store holds: the highest sequence number applied with no gap
    -- before it, and which peer brought it (NULL for this installation's own log).
    CREATE TABLE origin_heads (
        origin     TEXT PRIMARY KEY,
        head       INTEGER NOT NULL,
        via_peer   TEXT
    );

    -- What each peer has acknowledged by a signed receipt: origin's changes up to `acked`.
    CREATE TABLE acks (
        peer    TEXT NOT NULL,
        origin  TEXT NOT NULL,
        acked   INTEGER NOT NULL,
        PRIMARY KEY (peer, origin)
    ) WITHOUT ROWID;

    CREATE TABLE held_bundles (
        bundle_id  TEXT PRIMARY KEY,
        content    BLOB NOT NULL,
        missing    TEXT NOT NULL,
        held_at    TEXT NOT NULL
    );

    CREATE TABLE imported_bundles (
        bundle_id    TEXT PRIMARY KEY,
        digest       TEXT NOT NULL,
        sender       TEXT NOT NULL,
        applied      INTEGER NOT NULL,
        imported_at  TEXT NOT NULL
    );

    CREATE TABLE conflicts (
        id              INTEGER PRIMARY KEY,
        record_id       TEXT NOT NULL,
        entity          TEXT NOT NULL,
        field           TEXT NOT NULL,
        kept_value      TEXT NOT NULL,
        kept_version    TEXT NOT NULL,
        lost_value      TEXT NOT NULL,
        lost_version    TEXT NOT NULL,
        UNIQUE (record_id, field, lost_version)
    );

    -- The last export, import and receipt, for the Sync screen.
    CREATE TABLE sync_events (
        what    TEXT PRIMARY KEY,
        at      TEXT NOT NULL,
        detail  TEXT NOT NULL
    );
    "#,
    // 3: the network: where an upper peer's hub listens and the SHA-256 of its TLS certificate (pinned).
    r#"
    ALTER TABLE peers ADD COLUMN hub_url TEXT;
    ALTER TABLE peers ADD COLUMN hub_tls_sha256 TEXT;
    "#,
    // 4: the hub's inbox: bundles taken over the network, checked and kept, applied in the background.
    r#"
    CREATE TABLE inbox (
        seq          INTEGER PRIMARY KEY,
        bundle_id    TEXT NOT NULL UNIQUE,
        sender       TEXT NOT NULL,
        content      BLOB NOT NULL,
        changes      INTEGER NOT NULL,
        accepted_at  TEXT NOT NULL
    );
    -- Per origin: the highest sequence number the inbox holds, with nothing missing before it.
    CREATE TABLE inbox_heads (
        origin    TEXT PRIMARY KEY,
        head      INTEGER NOT NULL,
        via_peer  TEXT NOT NULL
    );
    -- Units that inbox bundles create, so that later bundles may write for them before they are applied.
    CREATE TABLE inbox_units (
        unit_id    TEXT PRIMARY KEY,
        parent_id  TEXT NOT NULL
    );
    "#,
    // 5: the register of outgoing documents (sổ văn bản đi). Local to the installation: the unit's office
    // keeps one register.
    r#"
    CREATE TABLE doc_register (
        id          INTEGER PRIMARY KEY,
        scope_key   TEXT NOT NULL,
        number      INTEGER NOT NULL CHECK (number > 0),
        doc_code    TEXT NOT NULL,
        text        TEXT NOT NULL,
        subject     TEXT NOT NULL,
        record_id   TEXT,
        issued_on   TEXT NOT NULL,
        UNIQUE (scope_key, number)
    );
    "#,
    // 6: reports read the type, status and owner of a period's events from the index alone (no visit to
    // the rows, whose JSON bodies are large); it replaces the (kind, start) index it extends.
    r#"
    CREATE INDEX records_kind_start_facets ON records (kind, start, owner_unit, subtype, status) WHERE deleted = 0;
    DROP INDEX records_kind_start;
    "#,
    // 7: sequence numbers of other origins left out on purpose by the sender — a downward bundle carries
    // only plans, units, indicators and practices, so an origin's log arrives here with holes by design.
    // `check` counts them as present; a number neither logged nor listed here is a real gap. Databases
    // from before this list the holes below the head of every origin that came from above, which is
    // what a downward bundle's range meant then.
    r#"
    CREATE TABLE absent_changes (
        origin     TEXT NOT NULL,
        first_seq  INTEGER NOT NULL CHECK (first_seq > 0),
        last_seq   INTEGER NOT NULL CHECK (last_seq >= first_seq),
        PRIMARY KEY (origin, first_seq)
    ) WITHOUT ROWID;
    WITH from_above AS (
        SELECT h.origin, h.head FROM origin_heads h JOIN peers p ON p.installation = h.via_peer WHERE p.role = 'upper'
    ),
    logged AS (
        SELECT c.origin, c.seq, lag(c.seq, 1, 0) OVER (PARTITION BY c.origin ORDER BY c.seq) AS before
        FROM change_log c JOIN from_above a ON a.origin = c.origin
    )
    INSERT INTO absent_changes (origin, first_seq, last_seq)
    SELECT origin, before + 1, seq - 1 FROM logged WHERE seq > before + 1
    UNION ALL
    SELECT a.origin, coalesce(max(c.seq), 0) + 1, a.head FROM from_above a LEFT JOIN change_log c ON c.origin = a.origin
    GROUP BY a.origin, a.head HAVING coalesce(max(c.seq), 0) < a.head;

    -- The hub's inbox keeps, for each unit its bundles make, the peer that brought it: a unit made with
    -- no parent yet is in that peer's scope only ("" for no parent).
    ALTER TABLE inbox_units ADD COLUMN via_peer TEXT NOT NULL DEFAULT '';
    "#,
    // 8: TT-02, "Số lượt đoàn viên, thanh niên tham gia", counts members and non-member youth, as its name
    // says (it counted members only). The standard catalogue is the same on every installation, so each
    // changes it alike; a catalogue an upper level changed by hand is left as it is.
    r#"
    UPDATE records SET body = json_set(body, '$.rule.measure', 'members+non_members')
    WHERE kind = 'indicator' AND owner_unit = 'standard' AND json_extract(body, '$.code') = 'TT-02'
      AND json_extract(body, '$.rule.measure') = 'members';
    "#,
    // 9: revoking a lost laptop's key at the upper level: when, and how far its origin's changes were held
    // then (nothing of it beyond is taken afterwards); and when a peer was last heard from (a bundle or a
    // receipt of its own taken here), for the Connect screen.
    r#"
    ALTER TABLE peers ADD COLUMN revoked_at TEXT;
    ALTER TABLE peers ADD COLUMN revoked_after INTEGER;
    ALTER TABLE peers ADD COLUMN last_contact TEXT;
    "#,
    // 10: evidence files. Each file is kept once, named by the SHA-256 of its bytes, inside the database so
    // that it is encrypted, backed up and restored with the records (docs/store.md, "Evidence files").
    // `file_refs` lists which live record refers to which file, kept by the same write as the record.
    r#"
    CREATE TABLE files (
        sha256      TEXT PRIMARY KEY,
        media_type  TEXT NOT NULL,
        size        INTEGER NOT NULL CHECK (size >= 0),
        width       INTEGER,
        height      INTEGER,
        added_at    TEXT NOT NULL,
        -- When housekeeping first found no live record referring to it; removed a grace period later.
        orphan_since TEXT,
        -- A small JPEG for lists and galleries, made here from the file (never carried by sync).
        thumb       BLOB,
        -- Last, so that reading the other columns never walks the content's overflow pages.
        content     BLOB NOT NULL
    );
    CREATE TABLE file_refs (
        record_rowid  INTEGER NOT NULL,
        sha256        TEXT NOT NULL,
        PRIMARY KEY (record_rowid, sha256)
    ) WITHOUT ROWID;
    CREATE INDEX file_refs_sha256 ON file_refs (sha256);
    -- Files each peer is to get; a file leaves when the peer says it holds it (acked_at).
    CREATE TABLE file_outbox (
        peer      TEXT NOT NULL,
        sha256    TEXT NOT NULL,
        acked_at  TEXT,
        PRIMARY KEY (peer, sha256)
    );
    -- A file arriving over the network, part by part, until the last part completes it.
    CREATE TABLE file_parts (
        sha256      TEXT NOT NULL,
        "offset"    INTEGER NOT NULL,
        media_type  TEXT NOT NULL,
        total       INTEGER NOT NULL,
        bytes       BLOB NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (sha256, "offset")
    );
    "#,
    // 11: the other addresses of the upper unit's hub (the processes of a national hub), as a JSON array,
    // tried in turn when the first does not answer.
    r#"
    ALTER TABLE peers ADD COLUMN hub_also TEXT;
    "#,
];
