//! The national hub's tables in PostgreSQL, by numbered migrations, applied under a transaction-level
//! advisory lock so that two hub processes starting together migrate once (docs/national.md).
//!
//! The tables mirror the SQLite store's sync tables (docs/store.md): who this installation is, its peers
//! and what each acknowledged, the change log by (origin, seq), the records with each field's version,
//! and the inbox of bundles taken and not yet applied. `jsonb` for JSON, `bytea` for blobs.

/// Each migration, in order; the schema's version is how many have run.
pub const MIGRATIONS: &[&str] = &[
    // 1: the hub's state.
    r#"
    CREATE TABLE installation (
        singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        origin     text NOT NULL,
        unit_id    text NOT NULL,
        created_at text NOT NULL,
        lamport    bigint NOT NULL DEFAULT 0,
        last_seq   bigint NOT NULL DEFAULT 0,
        public_key bytea,
        secret_key bytea,
        -- the hub's TLS certificate and key (DER), the same for every hub process
        tls_cert   bytea,
        tls_key    bytea
    );
    CREATE TABLE peers (
        installation   text PRIMARY KEY,
        unit_id        text NOT NULL,
        public_key     bytea NOT NULL,
        role           text NOT NULL CHECK (role IN ('lower', 'upper')),
        enrolled_at    text NOT NULL,
        revoked_at     text,
        revoked_after  bigint,
        hub_url        text,
        hub_tls_sha256 text
    );
    CREATE TABLE origin_heads (
        origin   text PRIMARY KEY,
        head     bigint NOT NULL CHECK (head >= 0),
        via_peer text
    );
    -- What is held of each origin, applied or in the inbox: receipts say this, and a bundle is
    -- checked against it when it arrives (origin_heads says what is applied).
    CREATE TABLE held_heads (
        origin   text PRIMARY KEY,
        head     bigint NOT NULL CHECK (head >= 0),
        via_peer text
    );
    CREATE INDEX held_heads_via ON held_heads (via_peer);
    -- Units that bundles taken into the inbox make or place, for the scope of the sender's next
    -- bundles before they are applied ('' for a new unit with no parent yet).
    CREATE TABLE units_placed (
        unit_id   text PRIMARY KEY,
        parent_id text NOT NULL,
        via_peer  text NOT NULL
    );
    CREATE TABLE acks (
        peer   text NOT NULL,
        origin text NOT NULL,
        acked  bigint NOT NULL,
        PRIMARY KEY (peer, origin)
    );
    CREATE TABLE change_log (
        origin      text NOT NULL,
        seq         bigint NOT NULL CHECK (seq > 0),
        lamport     bigint NOT NULL,
        hlc         text NOT NULL,
        entity      text NOT NULL,
        record_id   text NOT NULL,
        op          text NOT NULL CHECK (op IN ('create', 'update', 'delete')),
        owner_unit  text NOT NULL,
        fields      jsonb NOT NULL,
        prev        jsonb NOT NULL DEFAULT '{}',
        recorded_at text NOT NULL,
        PRIMARY KEY (origin, seq)
    );
    CREATE INDEX change_log_record ON change_log (record_id);
    CREATE TABLE records (
        id         text PRIMARY KEY,
        -- the order records arrived in (the SQLite store's rowid): the catalogue is listed in it
        ord        bigint GENERATED ALWAYS AS IDENTITY,
        kind       text NOT NULL,
        owner_unit text NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        deleted    boolean NOT NULL DEFAULT false,
        -- false while only later changes of it are held (its create has not come yet)
        complete   boolean NOT NULL DEFAULT true,
        body       jsonb NOT NULL,
        versions   jsonb NOT NULL DEFAULT '{}',
        -- fields known without a version (a unit from an enrolment file): any change overrides them
        base       jsonb NOT NULL DEFAULT '{}',
        -- what reports read, from the body by the same rules as the SQLite store's index (model::index)
        title      text,
        start      text,
        "end"      text,
        status     text,
        subtype    text,
        link_id    text,
        has_files  boolean NOT NULL DEFAULT false,
        mode       text,
        members bigint, non_members bigint, others bigint, male bigint, female bigint, unique_reached bigint,
        connection_points bigint, posts bigint, views bigint, interactions bigint, opinions bigint
    );
    CREATE INDEX records_kind_start ON records (kind, start) WHERE NOT deleted;
    -- a unit's (a province's) records of a period: reports read only its own
    CREATE INDEX records_kind_owner_start ON records (kind, owner_unit, start) WHERE NOT deleted;
    -- the events with evidence files of a period (a report's evidence annex): few among many
    CREATE INDEX records_with_files ON records (kind, start) WHERE has_files AND NOT deleted;
    CREATE INDEX records_unit_parent ON records ((body->>'parent_id')) WHERE kind = 'unit';
    CREATE TABLE inbox (
        seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        bundle_id   text NOT NULL UNIQUE,
        sender      text NOT NULL,
        changes     integer NOT NULL,
        state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'failed')),
        claimed_by  text,
        attempts    integer NOT NULL DEFAULT 0,
        error       text,
        accepted_at timestamptz NOT NULL DEFAULT now(),
        applied_at  timestamptz,
        payload     bytea NOT NULL
    );
    CREATE INDEX inbox_pending ON inbox (seq) WHERE state = 'pending';

    -- What analysts read (docs/national.md, "Reading the data"): the read-only role gets these views
    -- only. Records whose create has not arrived yet, and deleted ones, are left out.
    CREATE SCHEMA reporting;
    CREATE VIEW reporting.units AS
        SELECT id, body->>'code' AS code, body->>'name' AS name, body->>'level' AS level,
               body->>'parent_id' AS parent_id, body->>'successor_id' AS successor_id,
               body->>'change' AS change, body->>'valid_from' AS valid_from, body->>'valid_to' AS valid_to,
               (body->>'member_count')::bigint AS member_count
        FROM records WHERE kind = 'unit' AND NOT deleted;
    CREATE VIEW reporting.events AS
        SELECT id, owner_unit AS unit_id, title, left(start, 10)::date AS day, start AS start_at,
               subtype AS event_type, mode, status, members, non_members, others, male, female,
               unique_reached, connection_points, posts, views, interactions, opinions, link_id AS plan_id
        FROM records WHERE kind = 'event' AND complete AND NOT deleted;
    CREATE VIEW reporting.records AS
        SELECT id, kind, owner_unit AS unit_id, title, left(start, 10) AS start_day, left("end", 10) AS end_day,
               status, subtype, created_at, updated_at, body
        FROM records WHERE complete AND NOT deleted;
    -- Unique members reached, per unit and year: the largest figure among the unit's events done that
    -- year — never a sum across events (the same members come back session after session).
    CREATE VIEW reporting.unique_reach AS
        SELECT owner_unit AS unit_id, left(start, 4)::int AS year, max(unique_reached) AS unique_members_reached
        FROM records WHERE kind = 'event' AND complete AND NOT deleted AND status = 'done'
        GROUP BY owner_unit, left(start, 4);
    CREATE TABLE files (
        sha256     text PRIMARY KEY,
        media_type text NOT NULL,
        size       bigint NOT NULL CHECK (size >= 0),
        added_at   timestamptz NOT NULL DEFAULT now(),
        content    bytea NOT NULL
    );
    -- parts of files being received over the network, until the last one completes the file
    CREATE TABLE file_parts (
        sha256      text NOT NULL,
        "offset"    bigint NOT NULL,
        media_type  text NOT NULL,
        total       bigint NOT NULL,
        bytes       bytea NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sha256, "offset")
    );
    "#,
];

/// The schema version this program writes.
pub fn known() -> i32 {
    MIGRATIONS.len() as i32
}

/// The key of the advisory lock migrations run under (any fixed 64-bit number; "sotay:m" in ASCII).
pub const MIGRATION_LOCK: i64 = 0x736f_7461_793a_6d;
