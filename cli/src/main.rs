//! `sotay`: every feature of Sotay from a terminal. Exit 0 on success; on failure a one-line reason on
//! stderr (Vietnamese unless `--lang en`) and exit 1.

mod backup_cmd;
mod bench;
mod files_cmd;
mod input;
mod key_cmd;
mod net_cmd;
mod print_cmd;
mod output;
mod sync_cmd;
mod unlock;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sotay_core::docs::{DocOptions, DocumentRequest, MeetingDoc};
use sotay_core::{Error, Kind, Lang, ListQuery, Period, Sort, Store};
use sotay_core::report::Structure;

#[derive(Parser)]
#[command(name = "sotay", version, about = "Sổ tay Đoàn — the Youth Union officer's field log, from a terminal",
    long_about = "Sổ tay Đoàn (Sotay) keeps plans, events, model practices, opinions, inspections, supervisions and \
false-information cases in a local SQLite file.\n\nKinds: unit, plan, event, practice, opinion, inspection, supervision, \
case, indicator (plurals accepted).\nDates: YYYY-MM-DD; local times: YYYY-MM-DDTHH:MM (Asia/Ho_Chi_Minh).\n\
The database is the user's data folder unless --db or SOTAY_DB says otherwise.")]
struct Cli {
    /// The database file [default: <data dir>/vn.sotay.app/sotay.db]
    #[arg(long, global = true, env = "SOTAY_DB")]
    db: Option<PathBuf>,
    /// Language of messages: vi (default) or en
    #[arg(long, global = true, env = "SOTAY_LANG", default_value = "vi")]
    lang: String,
    /// The data's passphrase, from the first line of this file (else SOTAY_PASSPHRASE, else asked)
    #[arg(long, global = true, env = "SOTAY_PASSPHRASE_FILE")]
    passphrase_file: Option<PathBuf>,
    /// A key file made by `sotay key add-file`, instead of a passphrase (a hub that starts unattended)
    #[arg(long, global = true, env = "SOTAY_KEY_FILE")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create this installation and the unit it works for
    Init {
        /// Unit name, e.g. "Đoàn xã Đông Hưng"
        #[arg(long)]
        name: Option<String>,
        /// Unit code, e.g. HY-XA-DONG-HUNG
        #[arg(long)]
        code: Option<String>,
        /// central, province, district, grassroots, bloc, branch, other
        #[arg(long, default_value = "grassroots")]
        level: String,
        /// The upper body as printed in headers, e.g. "BCH TỈNH ĐOÀN HƯNG YÊN"
        #[arg(long)]
        upper_body: Option<String>,
        /// Place name for dates in documents
        #[arg(long)]
        place: Option<String>,
        /// The whole unit as JSON instead (a file, or - for standard input)
        #[arg(long, conflicts_with_all = ["name", "code"])]
        json: Option<String>,
        /// Become a second installation of the unit in this enrolment file (another laptop of the same unit)
        #[arg(long, conflicts_with_all = ["name", "code", "json"])]
        join: Option<PathBuf>,
    },
    /// Fill the database: --demo for a realistic province, --events N for synthetic volume
    Seed {
        #[arg(long, conflicts_with = "events")]
        demo: bool,
        /// Add N synthetic events (benchmarks)
        #[arg(long)]
        events: Option<usize>,
        /// Events per transaction with --events
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        /// With --events: communes to create when the unit has none under it
        #[arg(long, default_value_t = 10)]
        units: usize,
        /// With --events: put every event in this year, 1900–2200 (default: spread over 2020–2026)
        #[arg(long, value_parser = clap::value_parser!(i32).range(1900..=2200))]
        year: Option<i32>,
        /// With --events: also this many plans of the unit and recognised practices of its communes
        #[arg(long, default_value_t = 0)]
        plans: usize,
    },
    /// Add a record from JSON (a file, or - for standard input)
    Add {
        kind: String,
        #[arg(long)]
        json: String,
    },
    /// Replace a record's fields with JSON (a file, or -)
    Edit {
        kind: String,
        id: String,
        #[arg(long)]
        json: String,
    },
    /// Delete a record (kept as a tombstone so the deletion syncs)
    Delete { kind: String, id: String },
    /// Attach evidence files (JPEG, PNG, WebP photos; PDFs) to an event, practice, inspection, supervision
    /// or case. Photos are turned upright, shrunk to 1,600 px and lose their location and camera data.
    Attach {
        kind: String,
        id: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the files show: photo, sheet (attendance sheet), minutes, article, other
        #[arg(long = "as", default_value = "photo")]
        role: String,
        #[arg(long)]
        caption: Option<String>,
    },
    /// The evidence files of a record (hash, kind, name, size; whether each is here yet)
    Files {
        kind: String,
        id: String,
        #[arg(long)]
        json: bool,
        /// Also write each file that is here into this folder, named by its hash
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Remove an evidence file from a record (a change that syncs)
    Detach { kind: String, id: String, sha256: String },
    /// List records, newest first, with search (accents optional), filters, sort and paging
    List {
        kind: String,
        /// Words to find; "tuyen truyen" finds "tuyên truyền", "doan" finds "Đoàn"
        #[arg(long)]
        search: Option<String>,
        /// Only this unit and the units below it
        #[arg(long)]
        unit: Option<String>,
        /// From this date (YYYY-MM-DD), inclusive
        #[arg(long)]
        from: Option<String>,
        /// To this date (YYYY-MM-DD), inclusive
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        status: Option<String>,
        /// Event type, e.g. propaganda_session, forum
        #[arg(long = "type")]
        event_type: Option<String>,
        #[arg(long, value_enum, default_value = "date")]
        sort: SortArg,
        /// Oldest / A first
        #[arg(long)]
        asc: bool,
        /// Page number, from 1
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        page: u32,
        /// Records per page, 1–500
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: u32,
        /// The page as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one record as JSON
    Show { kind: String, id: String },
    /// Indicators for a period against the plan targets
    Dashboard {
        /// 2025Q3, 2025M07, 2025S1, 2025 [default: this quarter]
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check the database's integrity and Sotay's invariants
    Check,
    /// Every record as canonical JSON, one per line, in a fixed order (the same data gives the same bytes)
    Dump,
    /// Show this installation's key fingerprint and its enrolled peers
    Keys,
    /// Enrolment: trust the key of the unit directly above or below (compare fingerprints first)
    Enroll {
        #[command(subcommand)]
        action: EnrollAction,
    },
    /// Export what no receipt covers yet into signed bundle files (e.g. on a USB stick)
    Export {
        #[arg(long)]
        out: PathBuf,
        /// The peer installation to export for [default: the upper unit]
        #[arg(long)]
        to: Option<String>,
        /// Split into bundles of at most this many changes
        #[arg(long, default_value_t = 20_000)]
        max_changes: usize,
    },
    /// Import bundle or receipt files: verify, then apply each whole or not at all
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only say what each file would do
        #[arg(long)]
        dry_run: bool,
        /// Write a signed receipt for each sender into this folder
        #[arg(long)]
        receipt_out: Option<PathBuf>,
    },
    /// What waits to go up (no receipt yet) and what is missing from below
    Outbox,
    /// Back the database up: a copy taken by SQLite and checked, into the backup folder or --out
    Backup {
        /// The folder to write into (a USB stick, say) [default: the automatic backups' folder]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The backups in the backup folder, newest first
    Backups {
        #[arg(long)]
        json: bool,
    },
    /// Put a backup in the database's place (the current database is kept as a backup first). Without
    /// --yes, only says what the backup holds
    Restore {
        file: PathBuf,
        /// Replace the database (without it nothing is changed)
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
        /// The backup's recovery code, when its passphrase is forgotten (a new one is then set)
        #[arg(long)]
        recovery_code: Option<String>,
    },
    /// The national hub on PostgreSQL (docs/national.md)
    Hub {
        #[command(subcommand)]
        action: HubAction,
    },
    /// The data's key: its passphrase, recovery code, key files, and the seal to the upper unit
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// A document in the Union's format as PDF (A4, embedded fonts): the meeting materials of an event
    /// (--event), a plan (--plan), or the report of a unit for a period (--period, --unit)
    Print {
        #[arg(value_enum)]
        document: DocArg,
        #[command(flatten)]
        target: Target,
        /// The PDF file to write (whole or not at all)
        #[arg(long)]
        out: PathBuf,
        /// Take the next number from the register of outgoing documents (`sotay register`)
        #[arg(long, conflicts_with = "number")]
        register: bool,
        #[command(flatten)]
        look: Look,
    },
    /// Page images for the window's print centre: the documents of an event or a plan laid out, each page
    /// as SVG, as JSON on stdout ([{"document", "pages", "svgs": [...]}]); nothing is written
    #[command(hide = true)]
    Preview {
        /// Comma-separated: invitation,agenda,attendance,minutes,outline (with --event), plan (with --plan),
        /// report (with --period)
        #[arg(long, value_delimiter = ',', required = true)]
        docs: Vec<DocArg>,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        look: Look,
    },
    /// The period report of a unit and the units under it: the indicator table against the plan targets
    /// and a row per unit; on the terminal, or as JSON, .xlsx or CSV
    Report {
        /// The unit's code [default: this installation's unit]
        #[arg(long)]
        unit: Option<String>,
        /// 2025M07, 2025Q3, 2025S1, 2025N9 (nine months), 2025, or 2025-06-15..2025-09-14
        #[arg(long)]
        period: String,
        /// The day of the month the figures are closed on, e.g. 14: the quarter then runs 15/06–14/09
        #[arg(long)]
        cut_off: Option<u32>,
        /// today: every record under the unit that carries it now (merged units under their successors);
        /// as-it-was: the tree in force on the period's last day
        #[arg(long, default_value = "today", value_parser = ["today", "as-it-was"])]
        structure: String,
        /// The report as JSON on stdout
        #[arg(long, conflicts_with_all = ["xlsx", "csv"])]
        json: bool,
        /// Write an Excel workbook (numeric cells, Vietnamese headers)
        #[arg(long, conflicts_with = "csv")]
        xlsx: Option<PathBuf>,
        /// Write CSV (UTF-8)
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Read the national hub's PostgreSQL database (or its read replica) instead of this
        /// installation's: postgresql://user@host:port/database
        #[arg(long)]
        store: Option<String>,
    },
    /// The register of outgoing documents: the numbers given, newest first; or how the counter runs
    Register {
        /// type-year (default), shared-year, type-term or shared-term
        #[arg(long)]
        scope: Option<String>,
        /// The year the committee's current five-year term began, for the *-term scopes
        #[arg(long)]
        term_start: Option<i32>,
    },
    /// Run this installation as the hub of its unit: lower installations sync with it over HTTPS
    Serve {
        /// Address and port to listen on, e.g. 0.0.0.0:8443 (port 0 picks a free one)
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: String,
        /// Largest request body in MiB, 1–1024 (bigger bundles are refused with 413; agents send smaller ones)
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
        max_body_mb: u64,
        /// Requests per second allowed per installation, 0.01–10000 (bursts up to three times that)
        #[arg(long, default_value_t = 20.0, value_parser = rate)]
        rate: f64,
        /// Open connections at most, 1–100000; more are closed at once
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        max_connections: u64,
        /// Seconds a request may take, body included, 1–86400
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        request_timeout: u64,
        /// Print a line per pushed bundle on stderr (installation, outcome, changes, milliseconds)
        #[arg(long)]
        log: bool,
        /// Serve the national hub from this PostgreSQL database (postgresql://user@host:port/database),
        /// adopted first with `sotay hub adopt`; any number of `serve` processes may share it. Without
        /// it, the hub is this installation's own database.
        #[arg(long, env = "SOTAY_HUB_STORE")]
        store: Option<String>,
        /// With --store: answer the hub's status (inbox depth, apply lag) as JSON over plain HTTP on this
        /// local address, e.g. 127.0.0.1:9187 (loopback only)
        #[arg(long)]
        status: Option<String>,
    },
    /// Sync with the upper unit's hub: send what waits, take the receipts, fetch what is new from above
    Sync {
        /// The hub's address, e.g. https://192.168.1.10:8443 (kept for next time)
        #[arg(long)]
        hub: Option<String>,
        /// Keep syncing: again every --interval seconds, and with backoff while the hub is unreachable
        #[arg(long)]
        watch: bool,
        /// Seconds between syncs with --watch, 1–86400
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        interval: u64,
        /// Tries before giving up when the link fails (without --watch)
        #[arg(long, default_value_t = 6)]
        attempts: u32,
    },
    /// Concurrent edits of one field found while merging: the value kept and the value set aside
    Conflicts,
    /// The level above changes the structure under it (merged, split, renamed, dissolved, moved) from a
    /// date, as one change: JSON {change, units, into | new_unit, others, new_name, date} from a file or
    /// - (stdin). --preview shows the year's report before and after and keeps nothing; --undo takes the
    /// last one back while it has not been sent
    Restructure {
        #[arg(required_unless_present = "undo")]
        json: Option<String>,
        #[arg(long, conflicts_with = "undo")]
        preview: bool,
        #[arg(long)]
        undo: bool,
    },
    /// Benchmark baseline: insert a bundle's changes with a plain rusqlite loop into DB (docs/benchmarks.md)
    #[command(hide = true)]
    BenchBaseline {
        bundle: PathBuf,
        db: PathBuf,
        /// Write the same rows into Sotay's own schema (records, search, event numbers, change log)
        #[arg(long)]
        schema: bool,
    },
    /// Measure list, search and dashboard speed on this database
    Bench {
        /// Timed runs of each query
        #[arg(long, default_value_t = 30)]
        runs: usize,
        /// Time the meeting documents of this event instead
        #[arg(long)]
        docs: Option<String>,
        /// Also on a plain (unencrypted) copy, side by side, with a backup of each
        #[arg(long)]
        plain_too: bool,
        /// With --plain-too: bundles addressed to this installation, imported into both copies
        #[arg(long, num_args = 1.., requires = "plain_too")]
        import: Vec<PathBuf>,
        /// The national reports over this PostgreSQL database instead, as the window makes them (one
        /// connection kept open): the year 2025 of the whole country and a province's quarter
        #[arg(long, env = "SOTAY_HUB_STORE", conflicts_with_all = ["docs", "plain_too"])]
        store: Option<String>,
    },
}

/// `--rate`: a number of requests per second a hub can keep count of.
fn rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(r) if (0.01..=10_000.0).contains(&r) => Ok(r),
        _ => Err(format!("{text} is not a number from 0.01 to 10000")),
    }
}

#[derive(Subcommand)]
enum EnrollAction {
    /// Write this installation's enrolment file (its unit, public key and fingerprint)
    Export {
        #[arg(long)]
        out: PathBuf,
        /// This installation serves a hub (`sotay serve`) at this address, e.g. https://192.168.1.10:8443:
        /// the file then carries it and the hub's certificate fingerprint, which the lower side pins.
        /// Repeat it for each process of a national hub: the agent tries them in turn
        #[arg(long)]
        hub: Vec<String>,
    },
    /// Trust the installation in an enrolment file
    Import {
        file: PathBuf,
        /// Refuse unless the file's fingerprint is this one (as read aloud by the other side)
        #[arg(long)]
        fingerprint: Option<String>,
    },
    /// Revoke a lower installation's key (a lost or stolen laptop): its changes held now stay, nothing it
    /// signs afterwards is taken. WHO is its installation id, or its unit's code when the unit has one
    /// installation here
    Revoke { who: String },
    /// Go on as the successor of this installation's unit, which the level above merged or split: FILE is
    /// the successor's enrolment file. Records kept; a new key, to enrol at the level above
    Successor { file: PathBuf },
}

#[derive(Subcommand)]
enum HubAction {
    /// Take this installation's hub over into a PostgreSQL database: its identity, keys, TLS
    /// certificate, peers and everything it holds. Run again after enrolling another unit: the new peers
    /// (and revocations) are brought, the rest stays as the hubs made it
    Adopt {
        /// postgresql://user@host:port/database
        #[arg(long, env = "SOTAY_HUB_STORE")]
        store: String,
    },
    /// Check the PostgreSQL hub: every record recomputed from its change log (in a transaction rolled
    /// back) and compared with what the hubs wrote; the records that differ are listed
    Check {
        /// postgresql://user@host:port/database
        #[arg(long, env = "SOTAY_HUB_STORE")]
        store: String,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Which secrets open the data (none is shown)
    Status {
        #[arg(long)]
        json: bool,
    },
    /// A new passphrase (from --new-passphrase-file, SOTAY_NEW_PASSPHRASE, or typed twice); only the key
    /// file is rewritten, never the data
    Change {
        #[arg(long)]
        new_passphrase_file: Option<PathBuf>,
    },
    /// A forgotten passphrase: the recovery code sets a new one
    Reset {
        #[arg(long)]
        recovery_code: String,
        #[arg(long)]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Write a key file that opens the data with no passphrase, for a hub that starts unattended
    AddFile { out: PathBuf },
    /// Print the raw database key (hex) for SQLCipher tools (DB Browser for SQLite, sqlcipher): whoever
    /// sees it can read the data
    Raw,
    /// Seal the key to the upper unit (on by default once enrolled), or stop
    Upper {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// At the upper unit: a lower unit's backup whose passphrase and recovery code are both lost, given a
    /// new passphrase (and recovery code) with the key sealed to this installation
    Recover {
        backup: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        new_passphrase_file: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DocArg {
    Invitation,
    Agenda,
    Attendance,
    Minutes,
    Outline,
    Plan,
    Report,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    Date,
    Title,
    Updated,
}

/// What a document is printed for: an event, a plan, or a unit and a period.
#[derive(clap::Args)]
struct Target {
    /// The event's id (invitation, agenda, attendance, minutes, outline)
    #[arg(long)]
    event: Option<String>,
    /// The plan's id (plan)
    #[arg(long)]
    plan: Option<String>,
    /// The unit's code (report) [default: this installation's unit]
    #[arg(long)]
    unit: Option<String>,
    /// The report's period: 2025M07, 2025Q3, 2025S1, 2025N9 (nine months), 2025, or 2025-06-15..2025-09-14
    #[arg(long)]
    period: Option<String>,
    /// The day of the month the figures are closed on, e.g. 14: the quarter then runs 15/06–14/09
    #[arg(long)]
    cut_off: Option<u32>,
    /// The report's tree: today (merged units under their successors) or as-it-was (on the period's last day)
    #[arg(long, default_value = "today", value_parser = ["today", "as-it-was"])]
    structure: String,
}

/// What the person printing adds to a document.
#[derive(clap::Args)]
struct Look {
    /// A number given by hand (by default the place is left blank to write on)
    #[arg(long)]
    number: Option<i64>,
    /// The attendance sheet grouped by unit (default: sorted by given name)
    #[arg(long)]
    group_by_unit: bool,
    /// Who signs, e.g. "Nguyễn Văn An"
    #[arg(long)]
    signer: Option<String>,
    /// BÍ THƯ (default) or PHÓ BÍ THƯ
    #[arg(long)]
    signer_title: Option<String>,
    /// The date on the place-date line, YYYY-MM-DD [default: today]
    #[arg(long)]
    date: Option<String>,
    /// The attendance sheet without its phone column
    #[arg(long)]
    no_phones: bool,
    /// The period report with its evidence annex (thumbnails of each event's photos, with captions)
    #[arg(long)]
    evidence_annex: bool,
}

impl Look {
    fn options(self) -> Result<DocOptions, Error> {
        let date = match self.date {
            Some(d) => Some(sotay_core::clock::parse_date("date", &d)?),
            None => None,
        };
        Ok(DocOptions { number: self.number, group_by_unit: self.group_by_unit, signer_name: self.signer, signer_title: self.signer_title, date, hide_phones: self.no_phones, evidence_annex: self.evidence_annex })
    }
}

impl Target {
    fn request(&self, store: &Store, document: DocArg) -> Result<DocumentRequest, Error> {
        let required = |v: &Option<String>, field: &str| v.clone().ok_or_else(|| Error::invalid(field, sotay_core::Problem::Required));
        let meeting = |doc: MeetingDoc| -> Result<DocumentRequest, Error> { Ok(DocumentRequest::Meeting { doc, event_id: required(&self.event, "event")? }) };
        Ok(match document {
            DocArg::Invitation => meeting(MeetingDoc::Invitation)?,
            DocArg::Agenda => meeting(MeetingDoc::Agenda)?,
            DocArg::Attendance => meeting(MeetingDoc::Attendance)?,
            DocArg::Minutes => meeting(MeetingDoc::Minutes)?,
            DocArg::Outline => meeting(MeetingDoc::Outline)?,
            DocArg::Plan => DocumentRequest::Plan { plan_id: required(&self.plan, "plan")? },
            DocArg::Report => {
                let period = report_period(&required(&self.period, "period")?, self.cut_off)?;
                let unit_id = match &self.unit {
                    Some(code) => Some(store.unit_id_by_code(code)?),
                    None => None,
                };
                let structure = Structure::parse(&self.structure).unwrap_or_default();
                DocumentRequest::Report { unit_id, period, structure }
            }
        })
    }
}

/// A period code, moved to the cut-off day when one is given.
fn report_period(code: &str, cut_off: Option<u32>) -> Result<Period, Error> {
    let period = Period::parse(code)?;
    match cut_off {
        Some(day) => period.with_cut_off(day),
        None => Ok(period),
    }
}

/// Lets `sotay list … | head` end quietly when the reader stops, as Unix tools do (Rust ignores SIGPIPE
/// and would report a failed write). Not for the network commands, whose sockets must not end the process.
fn quiet_broken_pipe(command: &Command) {
    #[cfg(unix)]
    if !matches!(command, Command::Serve { .. } | Command::Sync { .. } | Command::Hub { .. }) {
        // SAFETY: restoring a signal's default disposition at start, before any thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    quiet_broken_pipe(&cli.command);
    let lang = Lang::parse(&cli.lang);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let prefix = if lang == Lang::Vi { "lỗi" } else { "error" };
            eprintln!("{prefix}: {}", e.message(lang));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), sotay_net::NetError> {
    let path = cli.db.clone().unwrap_or_else(sotay_core::store::default_db_path);
    let lang = Lang::parse(&cli.lang);
    let src = unlock::KeySource { passphrase_file: cli.passphrase_file.clone(), key_file: cli.key_file.clone() };
    // A restore replaces the database file: it runs with no store of ours open.
    if let Command::Restore { file, yes, json, recovery_code } = &cli.command {
        return Ok(backup_cmd::restore(&path, file, *yes, *json, recovery_code.as_deref(), &src, lang)?);
    }
    // These need no unlocking: the key file alone, or the recovery code instead of the passphrase.
    match &cli.command {
        Command::Key { action: KeyAction::Status { json } } => return Ok(key_cmd::status(&path, *json, lang)?),
        Command::Key { action: KeyAction::Reset { recovery_code, new_passphrase_file } } => {
            return Ok(key_cmd::reset(&path, recovery_code, new_passphrase_file.as_deref(), lang)?)
        }
        _ => {}
    }
    // The national hub's processes and reports need no local database: their state is in PostgreSQL.
    if let Command::Report { unit, period, cut_off, structure, json, xlsx, csv, store: Some(url) } = &cli.command {
        let period = report_period(period, *cut_off)?;
        let structure = Structure::parse(structure).unwrap_or_default();
        let report = net_cmd::national_report(url, unit.as_deref(), &period, structure)?;
        return Ok(print_cmd::report(&report, *json, xlsx.as_deref(), csv.as_deref(), lang)?);
    }
    if let Command::Hub { action: HubAction::Check { store: url } } = &cli.command {
        return Ok(net_cmd::hub_check(url, lang)?);
    }
    if let Command::Bench { runs, store: Some(url), .. } = &cli.command {
        return Ok(bench::national(url, *runs)?);
    }
    if let Command::Serve { listen, max_body_mb, rate, max_connections, request_timeout, log, store: Some(url), status } = &cli.command {
        let opts = net_cmd::ServeOptions { listen: listen.clone(), max_body_mb: *max_body_mb, rate: *rate, max_connections: *max_connections, request_timeout: *request_timeout, log: *log };
        return net_cmd::serve_pg(url, status.as_deref(), opts, lang);
    }
    let creates = matches!(cli.command, Command::Init { .. } | Command::Seed { .. });
    let mut store = src.open(&path, creates, lang)?;
    match cli.command {
        Command::Init { join: Some(file), .. } => {
            let e = Store::read_enrolment(&file)?;
            let unit = store.init_joining(&e)?;
            output::record_line(&unit, lang, "init");
        }
        Command::Init { name, code, level, upper_body, place, json, join: None } => {
            let unit = match json {
                Some(src) => input::read_json(&src)?,
                None => serde_json::json!({
                    "name": name.unwrap_or_default(), "code": code.unwrap_or_default(), "level": level,
                    "upper_body": upper_body, "place": place,
                }),
            };
            let unit = store.init(&unit)?;
            output::record_line(&unit, lang, "init");
        }
        Command::Seed { demo, events, batch, units, year, plans } => {
            if demo {
                let s = sotay_core::seed::seed_demo(&mut store)?;
                output::seeded_demo(&s, lang);
            } else if let Some(n) = events {
                let started = std::time::Instant::now();
                sotay_core::seed::seed_events(&mut store, n, batch.max(1), sotay_core::seed::Synthetic { units, year, plans }, &mut |done| {
                    eprint!("\r{done}/{n}");
                })?;
                eprintln!();
                output::seeded_events(n, started.elapsed(), lang);
            } else {
                return Err(Error::invalid("seed", sotay_core::Problem::Required).into());
            }
        }
        Command::Add { kind, json } => {
            let kind = Kind::parse(&kind)?;
            let value = input::read_json(&json)?;
            let rec = store.create(kind, &value)?;
            output::record_line(&rec, lang, "add");
        }
        Command::Edit { kind, id, json } => {
            let kind = Kind::parse(&kind)?;
            let value = input::read_json(&json)?;
            let rec = store.update(kind, &id, &value)?;
            output::record_line(&rec, lang, "edit");
        }
        Command::Delete { kind, id } => {
            store.delete(Kind::parse(&kind)?, &id)?;
        }
        Command::Attach { kind, id, files, role, caption } => {
            files_cmd::attach(&mut store, Kind::parse(&kind)?, &id, &files, &role, caption.as_deref(), lang)?;
        }
        Command::Files { kind, id, json, save } => {
            files_cmd::list(&store, Kind::parse(&kind)?, &id, json, save.as_deref(), lang)?;
        }
        Command::Detach { kind, id, sha256 } => {
            files_cmd::detach(&mut store, Kind::parse(&kind)?, &id, &sha256, lang)?;
        }
        Command::List { kind, search, unit, from, to, status, event_type, sort, asc, page, limit, json } => {
            let mut q = ListQuery::new(Kind::parse(&kind)?);
            q.search = search;
            q.unit_id = unit;
            q.from = from;
            q.to = to;
            q.status = status;
            q.event_type = event_type;
            q.sort = match sort {
                SortArg::Date => Sort::Date,
                SortArg::Title => Sort::Title,
                SortArg::Updated => Sort::Updated,
            };
            q.desc = if asc { Some(false) } else { None };
            q.page = page.saturating_sub(1);
            q.page_size = limit;
            let p = store.list(&q)?;
            if json {
                // Pages count from 1 here, as `--page` does (core counts from 0, as the window does).
                let mut v = serde_json::to_value(&p).unwrap_or_default();
                v["page"] = serde_json::json!(u64::from(p.page) + 1);
                output::json(&v);
            } else {
                output::list(&p, lang);
            }
        }
        Command::Show { kind, id } => {
            let rec = store.get(Kind::parse(&kind)?, &id)?;
            output::json(&rec);
        }
        Command::Dashboard { period, unit, json } => {
            let period = match period {
                Some(code) => Period::parse(&code)?,
                None => Period::this_quarter()?,
            };
            let d = store.dashboard(unit.as_deref(), &period)?;
            if json {
                output::json(&serde_json::to_value(&d).unwrap_or_default());
            } else {
                output::dashboard(&d, lang);
            }
        }
        Command::Check => {
            let problems = store.check()?;
            if !problems.is_empty() {
                for p in &problems {
                    eprintln!("{p}");
                }
                return Err(Error::Integrity(format!("{} problem(s)", problems.len())).into());
            }
            println!("{}", if lang == Lang::Vi { "ok: cơ sở dữ liệu toàn vẹn" } else { "ok: the database is whole" });
        }
        Command::Dump => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            store.dump(&mut out)?;
            std::io::Write::flush(&mut out).map_err(|e| Error::Io { path: "(stdout)".into(), source: e })?;
        }
        Command::Bench { runs, docs: None, plain_too: true, import, .. } => bench::compare_plain(&store, runs, &import)?,
        Command::Bench { runs, docs: None, .. } => bench::run(&store, runs)?,
        Command::Bench { runs, docs: Some(event), .. } => bench::docs(&store, &event, runs)?,
        Command::Keys => sync_cmd::keys(&store, lang)?,
        Command::Enroll { action: EnrollAction::Export { out, hub } } if hub.is_empty() => sync_cmd::enroll_export(&store, &out, lang)?,
        Command::Enroll { action: EnrollAction::Export { out, hub } } => net_cmd::enroll_export_hub(&mut store, &out, &hub, lang)?,
        Command::Register { scope, term_start } => print_cmd::register(&mut store, scope.as_deref(), term_start, lang)?,
        Command::Print { document, target, out, register, look } => {
            let req = target.request(&store, document)?;
            print_cmd::print(&mut store, &req, &out, &look.options()?, register, lang)?
        }
        Command::Preview { docs, target, look } => {
            let requests = docs.iter().map(|d| target.request(&store, *d)).collect::<Result<Vec<_>, _>>()?;
            print_cmd::preview(&store, &requests, &look.options()?)?
        }
        Command::Report { unit, period, cut_off, structure, json, xlsx, csv, .. } => {
            let period = report_period(&period, cut_off)?;
            let unit_id = match unit {
                Some(code) => Some(store.unit_id_by_code(&code)?),
                None => None,
            };
            let report = store.period_report_in(unit_id.as_deref(), &period, Structure::parse(&structure).unwrap_or_default())?;
            print_cmd::report(&report, json, xlsx.as_deref(), csv.as_deref(), lang)?
        }
        Command::Hub { action: HubAction::Adopt { store: url } } => net_cmd::adopt(&mut store, &url, lang)?,
        Command::Hub { action: HubAction::Check { store: url } } => net_cmd::hub_check(&url, lang)?,
        Command::Serve { listen, max_body_mb, rate, max_connections, request_timeout, log, .. } => {
            net_cmd::serve(store, net_cmd::ServeOptions { listen, max_body_mb, rate, max_connections, request_timeout, log }, lang)?
        }
        Command::Sync { hub, watch, interval, attempts } => {
            net_cmd::sync(&mut store, net_cmd::SyncOptions { hub, watch, interval, attempts }, lang)?
        }
        Command::Enroll { action: EnrollAction::Successor { file } } => sync_cmd::join_successor(&mut store, &file, lang)?,
        Command::Enroll { action: EnrollAction::Revoke { who } } => sync_cmd::enroll_revoke(&mut store, &who, lang)?,
        Command::Enroll { action: EnrollAction::Import { file, fingerprint } } => {
            sync_cmd::enroll_import(&mut store, &file, fingerprint.as_deref(), lang)?
        }
        Command::Export { out, to, max_changes } => sync_cmd::export(&mut store, &out, to, max_changes, lang)?,
        Command::Import { files, dry_run, receipt_out } => {
            sync_cmd::import(&mut store, &files, dry_run, receipt_out.as_deref(), lang)?
        }
        Command::Outbox => sync_cmd::outbox(&store, lang)?,
        Command::Backup { out } => backup_cmd::backup(&store, out.as_deref(), lang)?,
        Command::Backups { json } => backup_cmd::list(&store, json, lang)?,
        Command::Restore { .. } => {} // handled before the store is opened
        Command::Key { action } => match action {
            KeyAction::Status { .. } | KeyAction::Reset { .. } => {} // handled before the store is opened
            KeyAction::Change { new_passphrase_file } => key_cmd::change(&store, new_passphrase_file.as_deref(), lang)?,
            KeyAction::AddFile { out } => key_cmd::add_file(&store, &out, lang)?,
            KeyAction::Raw => key_cmd::raw(&store, lang),
            KeyAction::Upper { state } => key_cmd::upper(&mut store, state == "on", lang)?,
            KeyAction::Recover { backup, out, new_passphrase_file } => {
                key_cmd::recover(&store, &backup, &out, new_passphrase_file.as_deref(), lang)?
            }
        },
        Command::Restructure { json, preview, undo } => {
            let vi = lang == Lang::Vi;
            if undo {
                let last = store.undo_restructure()?;
                println!("{}: {}", if vi { "đã hoàn tác" } else { "undone" }, last.names.join(", "));
            } else {
                let input = input::read_json(json.as_deref().unwrap_or("-"))?;
                let r: sotay_core::restructure::Restructure = serde_json::from_value(input)
                    .map_err(|e| Error::invalid("change", sotay_core::Problem::BadValue(e.to_string())))?;
                if preview {
                    println!("{}", serde_json::to_string_pretty(&store.restructure_preview(&r)?).unwrap_or_default());
                } else {
                    let done = store.restructure(&r)?;
                    println!("{}: {}", if vi { "đã ghi thay đổi tổ chức" } else { "structure changed" }, done.names.join(", "));
                }
            }
        }
        Command::Conflicts => {
            for c in store.conflicts()? {
                if lang == Lang::Vi {
                    println!("{} {} «{}» {}: giữ {}, gác lại {}", sotay_core::i18n::kind_name(&c.entity, lang), c.record_id, c.title, c.field, c.kept, c.lost);
                } else {
                    println!("{} {} «{}» {}: kept {}, set aside {}", c.entity, c.record_id, c.title, c.field, c.kept, c.lost);
                }
            }
        }
        Command::BenchBaseline { bundle, db, schema } => {
            let (n, took) = if schema {
                // The yardstick's own database is encrypted as Sotay's is, so that the two compare.
                const BASELINE: &str = "bench baseline";
                let schema_store = match sotay_core::vault::state(&db) {
                    sotay_core::vault::State::Missing => Store::create_encrypted(&db, BASELINE)?.0,
                    _ => Store::unlock(&db, &sotay_core::vault::Secret::passphrase(BASELINE))?,
                };
                let key = schema_store.key().cloned().ok_or(Error::NotInitialized)?;
                drop(schema_store);
                sotay_core::sync::baseline::plain_insert_schema(&bundle, &db, &key, Some(&store))?
            } else {
                sotay_core::sync::baseline::plain_insert(&bundle, &db, Some(&store))?
            };
            println!("baseline: {n} rows in {:.2} s ({:.0} rows/s)", took.as_secs_f64(), n as f64 / took.as_secs_f64().max(1e-9));
        }
    }
    Ok(())
}
