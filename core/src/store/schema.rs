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
];
