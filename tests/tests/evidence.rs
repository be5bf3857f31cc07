//! Evidence files as officers move them: attached at a commune, carried up on a stick or over the hub,
//! relayed to the central level, refused when damaged and asked for again, removed everywhere.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use sha2::{Digest, Sha256};
use sotay_tests::network::{commune, free_port, ok, province, HubProcess};
use sotay_tests::support::{added_id, sotay};

/// A photo as a phone takes it: noise, so that it stays large after shrinking (about 0.5–1 MB).
fn noisy_photo(path: &Path, seed: u32) {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(3000, 2000, |_, _| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        image::Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
    });
    img.save_with_format(path, image::ImageFormat::Jpeg).unwrap();
}

fn pdf(path: &Path, kb: usize) {
    sotay_tests::support::noisy_pdf(path, kb, 7);
}

fn sha256_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The hashes a record's files have at this installation, with whether each is here.
fn files_of(db: &Path, id: &str) -> Vec<(String, bool)> {
    let out = ok(sotay(db, &["files", "event", id, "--json"], None)).stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array().unwrap().iter().map(|a| (a["sha256"].as_str().unwrap().to_string(), a["held"].as_bool().unwrap())).collect()
}

/// Each file of the record that is here, saved out and hashed from outside: (name's hash, bytes' hash).
fn saved_hashes(db: &Path, id: &str, dir: &Path) -> Vec<(String, String)> {
    std::fs::create_dir_all(dir).unwrap();
    ok(sotay(db, &["files", "event", id, "--save", dir.to_str().unwrap()], None));
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, sha256_of(&std::fs::read(&p).unwrap()))
        })
        .collect();
    out.sort();
    out
}

fn bundles(stick: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(stick)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".bundle.json"))
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    v
}

fn receipts_for(stick: &Path, db: &Path) -> Vec<String> {
    let me = installation(db);
    std::fs::read_dir(stick)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("sotay-receipt-for-{me}")))
        .map(|p| p.display().to_string())
        .collect()
}

fn installation(db: &Path) -> String {
    let out = ok(sotay(db, &["--lang", "en", "keys"], None)).stdout;
    out.lines().find_map(|l| l.strip_prefix("Installation: ")).unwrap().trim().to_string()
}

/// Imports the stick (a folder: its bundles and files) at `db`; the receipts go back onto it.
fn import_stick(db: &Path, stick: &Path) -> sotay_tests::support::Run {
    sotay(db, &["import", stick.to_str().unwrap()], None)
}

/// The sender takes the receipts written for it.
fn take_receipts(db: &Path, stick: &Path) {
    for r in receipts_for(stick, db) {
        ok(sotay(db, &["import", &r], None));
    }
}

fn files_waiting(db: &Path) -> usize {
    let out = ok(sotay(db, &["--lang", "en", "outbox"], None)).stdout;
    out.lines().find_map(|l| l.strip_prefix("Evidence files waiting to be sent: ")).and_then(|n| n.trim().parse().ok()).expect("files waiting")
}

fn check_clean(db: &Path) {
    let r = sotay(db, &["--lang", "en", "check"], None);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

/// Central ← province ← commune, each enrolled with the next over files. Returns (central, province, commune).
fn three_levels(d: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let c = d.join("trung-uong.db");
    ok(sotay(&c, &["init", "--name", "Trung ương Đoàn", "--code", "TW", "--level", "central"], None));
    let (p, up) = province(d, "https://127.0.0.1:9");
    let (c_up, p_down) = (d.join("c-up.json"), d.join("p-down.json"));
    ok(sotay(&c, &["enroll", "export", "--out", c_up.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", c_up.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "export", "--out", p_down.to_str().unwrap()], None));
    ok(sotay(&c, &["enroll", "import", p_down.to_str().unwrap()], None));
    let a = commune(d, "XA-DH", &p, &up);
    (c, p, a)
}

fn event_with_files(a: &Path, files: &[&Path]) -> String {
    let e = r#"{"title": "Sinh hoạt chi đoàn tháng 7", "start_at": "2025-07-12T08:00", "participants": {"members": 30}}"#;
    let id = added_id(&ok(sotay(a, &["add", "event", "--json", "-"], Some(e))).stdout);
    let mut args = vec!["attach", "event", &id];
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    args.extend(["--caption", "Toàn cảnh buổi sinh hoạt"]);
    ok(sotay(a, &args, None));
    id
}

#[test]
fn a_photo_attached_at_a_commune_arrives_byte_identical_at_the_province_and_through_it_at_the_central_level() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (c, p, a) = three_levels(d);
    let (photo, minutes) = (d.join("hop.jpg"), d.join("bien-ban.pdf"));
    noisy_photo(&photo, 1);
    pdf(&minutes, 300);
    let id = event_with_files(&a, &[&photo, &minutes]);
    let at_commune = saved_hashes(&a, &id, &d.join("out-a"));
    assert_eq!(at_commune.len(), 2);
    for (name, bytes) in &at_commune {
        assert_eq!(name, bytes, "a file is named by the hash of its bytes");
    }
    // The PDF is kept byte for byte.
    assert!(at_commune.iter().any(|(h, _)| *h == sha256_of(&std::fs::read(&minutes).unwrap())));

    assert_eq!(files_waiting(&a), 2, "attached files are counted as waiting before the first export");

    // Commune → province on a stick: the records, the files beside them, the receipt back.
    let stick = d.join("usb1");
    let r = ok(sotay(&a, &["export", "--out", stick.to_str().unwrap()], None));
    assert!(r.stdout.contains("đã ghi 2 tệp minh chứng"), "{}", r.stdout);
    let r = ok(import_stick(&p, &stick));
    assert!(r.stdout.contains("đã nhận 2 tệp minh chứng"), "{}", r.stdout);
    assert_eq!(saved_hashes(&p, &id, &d.join("out-p")), at_commune);
    assert_eq!(files_waiting(&a), 2, "files stay in the outbox until the receipt says they arrived");
    take_receipts(&a, &stick);
    assert_eq!(files_waiting(&a), 0);

    // Province → central: relayed with the records.
    let stick2 = d.join("usb2");
    let r = ok(sotay(&p, &["export", "--out", stick2.to_str().unwrap()], None));
    assert!(r.stdout.contains("đã ghi 2 tệp minh chứng"), "{}", r.stdout);
    ok(import_stick(&c, &stick2));
    assert_eq!(saved_hashes(&c, &id, &d.join("out-c")), at_commune);
    take_receipts(&p, &stick2);
    assert_eq!(files_waiting(&p), 0);
    for db in [&a, &p, &c] {
        check_clean(db);
    }
    // A second export has nothing more to carry.
    let r = ok(sotay(&a, &["export", "--out", d.join("usb3").to_str().unwrap()], None));
    assert!(!r.stdout.contains("tệp minh chứng"), "{}", r.stdout);

    // Removing the attachment at the commune removes it everywhere, by the same road.
    let sha = &at_commune[0].0;
    ok(sotay(&a, &["detach", "event", &id, sha], None));
    let stick4 = d.join("usb4");
    ok(sotay(&a, &["export", "--out", stick4.to_str().unwrap()], None));
    ok(import_stick(&p, &stick4));
    let stick5 = d.join("usb5");
    ok(sotay(&p, &["export", "--out", stick5.to_str().unwrap()], None));
    ok(import_stick(&c, &stick5));
    for db in [&a, &p, &c] {
        let left: Vec<String> = files_of(db, &id).into_iter().map(|f| f.0).collect();
        assert_eq!(left, vec![at_commune[1].0.clone()], "{}", db.display());
    }
}

/// Runs `sotay export` onto a stick of `kib` KiB (a tmpfs mounted in a mount namespace of its own, so no
/// mount outlives the test), then copies what the stick holds into `carried`, as a person carries it.
fn export_onto_small_stick(db: &Path, kib: usize, carried: &Path) -> sotay_tests::support::Run {
    let mount = carried.with_extension("mnt");
    std::fs::create_dir_all(&mount).unwrap();
    std::fs::create_dir_all(carried).unwrap();
    let sotay_bin = sotay_tests::support::bin("sotay");
    let script = format!(
        "mount -t tmpfs -o size={kib}k tmpfs '{m}' && '{s}' --db '{db}' export --out '{m}'; rc=$?; cp -a '{m}/.' '{c}/'; exit $rc",
        m = mount.display(),
        s = sotay_bin.display(),
        db = db.display(),
        c = carried.display()
    );
    let mut un = std::process::Command::new("unshare");
    // Root (as in CI) mounts in a mount namespace of its own; anyone else in a user namespace too.
    if !is_root() {
        un.arg("--user").arg("--map-root-user");
    }
    un.args(["--mount", "sh", "-c", &script]);
    un.env("SOTAY_PASSPHRASE", sotay_tests::support::PASSPHRASE);
    for var in ["SOTAY_DB", "SOTAY_LANG", "SOTAY_KEY_FILE", "SOTAY_PASSPHRASE_FILE", "SOTAY_RAW_KEY"] {
        un.env_remove(var);
    }
    let out = un.stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("unshare runs");
    sotay_tests::support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        raw_stdout: out.stdout,
    }
}

fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

#[test]
fn a_stick_too_small_for_the_files_carries_the_records_first_and_the_files_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, p, a) = three_levels(d);
    let photos: Vec<PathBuf> = (0..3).map(|i| d.join(format!("anh-{i}.jpg"))).collect();
    for (i, ph) in photos.iter().enumerate() {
        noisy_photo(ph, i as u32 + 10);
    }
    let refs: Vec<&Path> = photos.iter().map(PathBuf::as_path).collect();
    let id = event_with_files(&a, &refs);
    let sizes: Vec<u64> = saved_hashes(&a, &id, &d.join("out-a")).iter().map(|(h, _)| {
        std::fs::metadata(d.join("out-a").join(format!("{h}.jpg"))).unwrap().len()
    }).collect();
    // Room for the bundle and one photo, not two.
    let kib = (sizes.iter().max().unwrap() * 3 / 2 / 1024) as usize;
    let stick = d.join("usb-nho");
    let r = export_onto_small_stick(&a, kib, &stick);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("còn 2 tệp minh chứng chờ gửi lần sau"), "{}", r.stdout);
    assert_eq!(bundles(&stick).len(), 1, "the records went whole");

    let r = ok(import_stick(&p, &stick));
    assert!(r.stdout.contains("còn chờ 2 tệp minh chứng"), "{}", r.stdout);
    let held: Vec<bool> = files_of(&p, &id).into_iter().map(|f| f.1).collect();
    assert_eq!(held.iter().filter(|h| **h).count(), 1);
    assert_eq!(ok(sotay(&p, &["list", "event", "--search", "sinh hoat chi doan"], None)).stdout.lines().count() > 0, true);
    let check = sotay(&p, &["--lang", "en", "check"], None);
    assert!(check.stdout.contains("not here") || check.stderr.contains("not here"), "check names the files still to come: {}{}", check.stdout, check.stderr);
    take_receipts(&a, &stick);
    assert_eq!(files_waiting(&a), 2);

    // Next time, a roomy stick: the other two, and nothing twice.
    let stick2 = d.join("usb-lon");
    let r = ok(sotay(&a, &["export", "--out", stick2.to_str().unwrap()], None));
    assert!(r.stdout.contains("đã ghi 2 tệp minh chứng"), "{}", r.stdout);
    ok(import_stick(&p, &stick2));
    assert!(files_of(&p, &id).iter().all(|f| f.1));
    take_receipts(&a, &stick2);
    assert_eq!(files_waiting(&a), 0);
    check_clean(&p);
}

#[test]
fn a_damaged_file_on_the_stick_is_refused_by_name_the_record_still_goes_in_and_the_file_is_asked_for_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, p, a) = three_levels(d);
    let photo = d.join("hop-chi-doan.jpg");
    noisy_photo(&photo, 3);
    let id = event_with_files(&a, &[&photo]);
    let stick = d.join("usb");
    ok(sotay(&a, &["export", "--out", stick.to_str().unwrap()], None));
    let folder = stick.join(format!("sotay-files-for-{}", installation(&p)));
    let sealed: Vec<PathBuf> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(sealed.len(), 1);
    let mut bytes = std::fs::read(&sealed[0]).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0x5A;
    std::fs::write(&sealed[0], bytes).unwrap();
    // Beside it, entries that are not files of ours: a link out of the folder, and a name not a hash.
    std::os::unix::fs::symlink("/etc/hostname", folder.join(format!("{}.sotayfile", "ab".repeat(32)))).unwrap();
    std::fs::write(folder.join("ghi-de.sotayfile"), b"x").unwrap();

    let r = import_stick(&p, &stick);
    assert_ne!(r.code, 0, "a refused file shows in the exit code");
    assert!(r.stderr.contains("Không nhận tệp hop-chi-doan.jpg (Sinh hoạt chi đoàn tháng 7)"), "{}", r.stderr);
    assert!(r.stderr.contains("không khớp mã băm"), "{}", r.stderr);
    assert!(r.stderr.contains("ghi-de.sotayfile") && r.stderr.contains("ra ngoài thư mục"), "{}", r.stderr);
    assert!(r.stdout.contains("đã nhập"), "the record itself went in: {}", r.stdout);
    assert_eq!(files_of(&p, &id), vec![(files_of(&a, &id)[0].0.clone(), false)]);
    take_receipts(&a, &stick);
    assert_eq!(files_waiting(&a), 1, "not acknowledged: asked for again");

    let stick2 = d.join("usb2");
    let r = ok(sotay(&a, &["export", "--out", stick2.to_str().unwrap()], None));
    assert!(r.stdout.contains("đã ghi 1 tệp minh chứng"), "{}", r.stdout);
    ok(import_stick(&p, &stick2));
    assert_eq!(saved_hashes(&p, &id, &d.join("out-p")), saved_hashes(&a, &id, &d.join("out-a")));
    take_receipts(&a, &stick2);
    assert_eq!(files_waiting(&a), 0);
    check_clean(&p);
}

#[test]
fn over_the_hub_a_photo_goes_up_a_cut_transfer_resumes_and_a_practice_photo_comes_down() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let a = commune(d, "XA-DH", &p, &up);
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    let (photo, minutes) = (d.join("hop.jpg"), d.join("bien-ban.pdf"));
    noisy_photo(&photo, 5);
    pdf(&minutes, 3 * 1024); // six parts of 512 KiB
    let id = event_with_files(&a, &[&photo, &minutes]);

    // The sync is cut (killed) after the second part of a file went up.
    let mut sync = sotay_tests::support::sotay_command()
        .arg("--db")
        .arg(&a)
        .arg("sync")
        .env("SOTAY_TEST_PAUSE_AT", "sync.file_part_sent:2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = sync.stderr.take().unwrap();
    let paused = std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok).any(|l| l.ends_with("sotay-paused sync.file_part_sent 2"));
    assert!(paused, "the sync never reached its second part");
    assert!(sync.try_wait().unwrap().is_none(), "the sync ended before the cut");
    sync.kill().unwrap();
    sync.wait().unwrap();
    let parts: i64 = sotay_tests::support::open_raw(&p).query_row("SELECT count(*) FROM file_parts", [], |r| r.get(0)).unwrap();
    assert!(parts >= 2, "the hub holds the parts taken before the cut: {parts}");
    assert!(files_waiting(&a) > 0);

    // Synced again: the rest arrives, the file whole and byte-identical.
    let r = ok(sotay(&a, &["sync"], None));
    assert!(r.stdout.contains("tệp minh chứng: gửi"), "{}", r.stdout);
    assert_eq!(files_waiting(&a), 0);
    sotay_tests::network::applied(&p);
    assert_eq!(saved_hashes(&p, &id, &d.join("out-p")), saved_hashes(&a, &id, &d.join("out-a")));
    let parts: i64 = sotay_tests::support::open_raw(&p).query_row("SELECT count(*) FROM file_parts", [], |r| r.get(0)).unwrap();
    assert_eq!(parts, 0, "no parts left behind");

    // Downward: a practice recognised at the province, with its photo, reaches the commune.
    let practice = r#"{"name": "Mô hình Thắp sáng đường quê", "field": "an sinh"}"#;
    let pid = added_id(&ok(sotay(&p, &["add", "practice", "--json", "-"], Some(practice))).stdout);
    let banner = d.join("mo-hinh.jpg");
    noisy_photo(&banner, 6);
    ok(sotay(&p, &["attach", "practice", &pid, banner.to_str().unwrap()], None));
    let r = ok(sotay(&a, &["sync"], None));
    assert!(r.stdout.contains("nhận 1"), "{}", r.stdout);
    let out = ok(sotay(&a, &["files", "practice", &pid, "--json"], None)).stdout;
    assert!(out.contains("\"held\": true"), "{out}");
    check_clean(&a);
    check_clean(&p);
}

/// Forwards connections on `listener` to `target`, cutting each one `life` after it opened (a link
/// that drops every few seconds). Returns how many connections were cut mid-flow.
fn cutting_relay(listener: std::net::TcpListener, target: std::net::SocketAddr, life: std::time::Duration) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cuts = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = cuts.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(target) else { continue };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (c3, s3) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let pipe = |mut from: std::net::TcpStream, mut to: std::net::TcpStream| {
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 32 << 10];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                })
            };
            let up = pipe(client, server);
            pipe(s2, c2);
            let counted = counted.clone();
            std::thread::spawn(move || {
                std::thread::sleep(life);
                if !up.is_finished() {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                let _ = c3.shutdown(std::net::Shutdown::Both);
                let _ = s3.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    cuts
}

#[test]
fn two_hundred_photos_over_a_link_cut_every_few_seconds_all_arrive_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hub_port = free_port();
    let relay = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let relay_url = format!("https://{}", relay.local_addr().unwrap());
    let (p, up) = province(d, &relay_url);
    let a = commune(d, "XA-DH", &p, &up);
    let _hub = HubProcess::start(&p, &format!("127.0.0.1:{hub_port}"), &[], &[]);
    let cuts = cutting_relay(relay, format!("127.0.0.1:{hub_port}").parse().unwrap(), std::time::Duration::from_secs(2));

    let photos = d.join("anh");
    std::fs::create_dir_all(&photos).unwrap();
    let mut x: u32 = 99;
    let paths: Vec<PathBuf> = (0..200)
        .map(|i| {
            let img = image::RgbImage::from_fn(640, 480, |_, _| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                image::Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
            });
            let path = photos.join(format!("anh-{i:03}.jpg"));
            img.save_with_format(&path, image::ImageFormat::Jpeg).unwrap();
            path
        })
        .collect();
    let e = r#"{"title": "Ra quân Chủ nhật xanh", "start_at": "2025-07-13T07:00", "status": "done"}"#;
    let id = added_id(&ok(sotay(&a, &["add", "event", "--json", "-"], Some(e))).stdout);
    let mut args = vec!["attach".to_string(), "event".into(), id.clone()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    ok(sotay(&a, &args.iter().map(String::as_str).collect::<Vec<_>>(), None));

    let r = ok(sotay(&a, &["--lang", "en", "sync", "--attempts", "40"], None));
    assert!(cuts.load(std::sync::atomic::Ordering::SeqCst) >= 1, "the link was cut mid-transfer: {}", r.stderr);
    assert!(r.stderr.contains("retrying in"), "the agent tried again after a cut: {}", r.stderr);
    assert_eq!(files_waiting(&a), 0, "{}{}", r.stdout, r.stderr);
    sotay_tests::network::applied(&p);
    let at_hub = files_of(&p, &id);
    assert_eq!(at_hub.len(), 200);
    assert!(at_hub.iter().all(|f| f.1), "every photo is at the province");
    check_clean(&p);
}
