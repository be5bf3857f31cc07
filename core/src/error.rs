//! One error type for the whole core. Each variant carries what the UI needs to put the message at the
//! right place: a stable `code`, and for validation the `field` it concerns.

use crate::i18n::Lang;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {problem:?}")]
    Invalid { field: String, problem: Problem },
    /// A record of `kind` with fields that are wrong: every one, so that a form shows each beside its
    /// field, named as the form names it.
    #[error("invalid {}: {}", kind.as_str(), field_names(problems))]
    InvalidRecord { kind: crate::model::Kind, problems: Vec<FieldProblem> },
    #[error("bad JSON at line {line}, column {column}: {detail}")]
    BadJson { line: usize, column: usize, detail: String },
    #[error("no {kind} with id {id}")]
    NotFound { kind: String, id: String },
    #[error("this database has no installation yet; run `sotay init`")]
    NotInitialized,
    #[error("this database already has an installation")]
    AlreadyInitialized,
    #[error("the database was written by a newer Sotay (schema {found}, this one knows {known})")]
    NewerDatabase { found: i64, known: i64 },
    #[error("{path} is not a Sotay database (not SQLite)")]
    NotADatabase { path: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error on {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("integrity check failed: {0}")]
    Integrity(String),
    /// A source of records other than this store failed (the national hub's PostgreSQL behind a report):
    /// its own code, and its message already worded in both languages.
    #[error("{en}")]
    Source { code: &'static str, vi: String, en: String },
    #[error("{kind} {id} belongs to unit {owner}; only that unit can change it")]
    NotOwner { kind: String, id: String, owner: String },
    /// A record dated after the last day of a unit the level above closed (merged, split, dissolved).
    #[error("unit {unit} ended on {until}: a record dated after it belongs to its successor")]
    UnitEnded { unit: String, until: String, successor: Option<String> },
    /// A unit under an upper unit tried to change a field of its own structure (docs/store.md).
    #[error("the {field} of unit {unit} is decided by the level above")]
    StructureFromAbove { unit: String, field: String },
    #[error("no upper unit is enrolled yet")]
    NoUpperPeer,
    /// Joining a unit that is not the successor of this installation's ended unit (or a unit not ended).
    #[error("{unit} is not a successor of {of}")]
    NotASuccessor { unit: String, of: String, ended: bool },
    /// Changes of this installation the level above has not acknowledged yet.
    #[error("{changes} change(s) not yet received by the level above")]
    NotYetSent { changes: i64 },
    /// An undo asked for after the change left this computer (a stick or the hub has it).
    #[error("already sent: the units below may have it; make a new change instead")]
    AlreadySent,
    /// An undo asked for with no structure change recorded here since the last one undone.
    #[error("no structure change to undo")]
    NothingToUndo,
    /// A document could not be laid out (a bug in a template, never the user's text).
    #[error("the document could not be laid out: {0}")]
    Render(String),
    /// Some files of an import were refused (each said why); the others went in.
    #[error("{count} file(s) refused")]
    FilesRefused { count: usize },
    /// The computer's clock reads a year no record can carry: it needs setting right.
    #[error("the system clock reads the year {year}")]
    BadClock { year: i32 },
    /// A backup could not be made or checked; the database itself is unchanged.
    #[error("no backup could be made in {path}: {detail}")]
    BackupFailed { path: String, detail: String },
    /// A file offered as a backup to restore that cannot be one; the database is unchanged.
    #[error("{file}: not restored: {reason:?}")]
    RestoreRefused { file: String, reason: RestoreProblem },
    /// A bundle, receipt or enrolment file refused before anything was written.
    #[error("{file}: refused: {refusal:?}")]
    Refused { file: String, refusal: Refusal },
    /// A file offered as evidence, or carried as one, that is not kept: named, with why.
    #[error("{file}: file refused: {problem:?}")]
    FileRefused { file: String, problem: crate::evidence::FileProblem },
    /// The database's key: locked, a wrong secret, its key file gone (docs/security.md).
    #[error("{0:?}")]
    Vault(VaultProblem),
}

/// What stands between the officer and the encrypted database.
#[derive(Debug, Clone, PartialEq)]
pub enum VaultProblem {
    WrongPassphrase { wait_seconds: i64 },
    WrongRecoveryCode { wait_seconds: i64 },
    WrongKeyFile { path: String },
    /// Too many wrong tries: the next may come in this many seconds.
    TryLater { seconds: i64 },
    PassphraseTooShort { min: usize },
    /// The CLI was given no passphrase and has no terminal to ask at.
    PassphraseNeeded,
    /// The key file beside the database is gone.
    KeyFileMissing { path: String },
    KeyFileDamaged { path: String },
    /// A key that is not this database's (a backup of another laptop, a key file of another database).
    OtherKey,
    /// The window is locked: nothing of the data until the passphrase is given.
    Locked,
    /// A database of an older Sotay, not yet encrypted: it is converted once, with a passphrase.
    NotEncrypted,
    /// A backup whose key is not sealed to this installation: the province cannot open it.
    NotSealedToUs,
}

/// Why a file cannot be restored.
#[derive(Debug, Clone, PartialEq)]
pub enum RestoreProblem {
    /// Not an SQLite database at all.
    NotSqlite,
    /// SQLite, but cut short or damaged (what `integrity_check` said).
    Damaged(String),
    /// SQLite, but not a database of Sotay's with a unit.
    NotSotay,
    /// Written by a newer Sotay.
    Newer { found: i64, known: i64 },
    /// A backup of another unit (its name).
    OtherUnit { backup: String },
    /// A backup of another laptop of this same unit.
    OtherInstallation,
    /// The database is open in another program (the window) that would go on writing to the old file.
    InUse,
}

/// Why a file from another installation was refused. `line` is 1-based in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    NotOurFormat,
    NewerFormat { found: i64, known: i64 },
    Malformed { line: usize, detail: String },
    TooLarge { line: usize, max: usize },
    Truncated,
    DigestMismatch,
    BadSignature,
    UnknownKey { fingerprint: String },
    NotForThisInstallation,
    OutOfScope { line: usize, owner_unit: String },
    NotNfc { line: usize },
    OutOfRange { line: usize },
    OwnChanges,
    /// Bytes after the trailer line: nothing may follow the end of a bundle.
    TrailingData { line: usize },
    /// A range's sequence number that is neither carried nor declared left out by the sender.
    Unaccounted { origin: String, seq: i64 },
    /// An upward bundle that declares changes left out: upward, every change travels.
    LeftOutUpward { origin: String },
    /// Sent over the network by another installation than the one that signed it.
    NotFromSender,
    /// Signed by, or carrying changes of, an installation whose key was revoked here after the changes
    /// held then.
    Revoked { installation: String },
    /// A sealed bundle this installation's key does not open: sealed to another installation.
    NotSealedToUs,
    /// A sealed change line that does not open (changed on the way): nothing of the bundle is kept.
    SealBroken { line: usize },
}

fn field_names(problems: &[FieldProblem]) -> String {
    problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>().join(", ")
}

/// One field and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub field: String,
    pub problem: Problem,
}

/// What is wrong with a field. Kept apart from the text so that each language words it its own way.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Required,
    TooLong { max: usize },
    Negative,
    TooLarge { max: i64 },
    NotAfter { other: String },
    UnknownUnit(String),
    UnknownPlan(String),
    UnknownEvent(String),
    UnknownIndicator(String),
    BadDate(String),
    BadValue(String),
    Duplicate(String),
    SumExceeds { total: String },
    /// Male and female together are more than the people who took part: the numbers are said.
    MaleFemaleOverTotal { sum: i64, total: i64 },
    /// A date written right whose day does not exist (31/02).
    NoSuchDay(String),
    ControlCharacter,
    OneLineOnly,
    NotALink,
    /// Connection points are for online or hybrid events.
    OnlyOnlineOrHybrid,
    /// A unit code: letters A–Z, digits, - and _.
    CodeCharacters,
    /// A SHA-256: 64 hexadecimal digits.
    NotSha256,
    /// A choice that is not on the list (an enum value).
    UnknownChoice(String),
    NotAWholeNumber,
    NotText,
    NotAList,
    NotYesNo,
    NotAnObject,
    UnknownField(String),
    /// A value that must be one of a few words (a document, a numbering scope): the words are said.
    OneOf { value: String, choices: String },
    /// An enrolment of a unit that is neither directly above nor below this one.
    NotNextUnit(String),
    /// A hub's address must start with https://.
    NotHttps(String),
    /// An installation cannot revoke the key of its own upper level (the unit named).
    RevokeUpper(String),
    /// An enrolment file of an installation whose key was revoked here.
    RevokedKey(String),
    /// A reference to a file (its hash) that this installation does not hold: attach the file instead.
    FileNotHere(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, problem: Problem) -> Self {
        Error::Invalid { field: field.into(), problem }
    }

    /// A stable, machine-readable code; the UI acts on it (see docs/ipc.md).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } | Error::InvalidRecord { .. } => "invalid",
            Error::BadJson { .. } => "bad_json",
            Error::NotFound { .. } => "not_found",
            Error::NotInitialized => "not_initialized",
            Error::AlreadyInitialized => "already_initialized",
            Error::NewerDatabase { .. } => "newer_database",
            Error::NotADatabase { .. } => "not_a_database",
            Error::Sqlite(_) => "database",
            Error::Io { .. } => "io",
            Error::Integrity(_) => "integrity",
            Error::Source { code, .. } => code,
            Error::NotOwner { .. } => "not_owner",
            Error::StructureFromAbove { .. } => "structure_from_above",
            Error::UnitEnded { .. } => "unit_ended",
            Error::Refused { .. } => "refused",
            Error::NoUpperPeer => "not_found",
            Error::NotASuccessor { .. } => "not_a_successor",
            Error::NotYetSent { .. } => "not_yet_sent",
            Error::AlreadySent => "already_sent",
            Error::NothingToUndo => "not_found",
            Error::Render(_) => "render",
            Error::BadClock { .. } => "clock",
            Error::FilesRefused { .. } => "refused",
            Error::BackupFailed { .. } => "backup",
            Error::RestoreRefused { .. } => "restore_refused",
            Error::FileRefused { .. } => "file_refused",
            Error::Vault(p) => match p {
                VaultProblem::WrongPassphrase { .. } | VaultProblem::WrongRecoveryCode { .. } | VaultProblem::WrongKeyFile { .. } => "wrong_secret",
                VaultProblem::TryLater { .. } => "try_later",
                VaultProblem::PassphraseTooShort { .. } => "invalid",
                VaultProblem::Locked | VaultProblem::PassphraseNeeded => "locked",
                VaultProblem::NotEncrypted => "not_encrypted",
                _ => "key",
            },
        }
    }

    /// The field of the (first) problem, for the UI to put the message beside.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::Vault(VaultProblem::PassphraseTooShort { .. }) => Some("passphrase"),
            Error::InvalidRecord { problems, .. } => problems.first().map(|p| p.field.as_str()),
            _ => None,
        }
    }

    /// Every field problem this error carries (none for other errors), in the order found.
    pub fn field_problems(&self) -> Vec<FieldProblem> {
        match self {
            Error::Invalid { field, problem } => vec![FieldProblem { field: field.clone(), problem: problem.clone() }],
            Error::InvalidRecord { problems, .. } => problems.clone(),
            _ => Vec::new(),
        }
    }

    pub fn from_json(e: serde_json::Error) -> Self {
        Error::BadJson { line: e.line(), column: e.column(), detail: e.to_string() }
    }

    /// The message a person reads, in their language.
    pub fn message(&self, lang: Lang) -> String {
        crate::i18n::error_message(self, lang)
    }
}
