//! Sync over a bad link: the hub on a test host in its own network namespace (veth), 5 % of packets
//! dropped each way by nftables inside it, and 250 ms added each way by a relay in this test (this
//! kernel has no `tc netem`; see docs/hub-protocol.md). Needs root, iproute2 and nftables: the README
//! test command installs them and turns this test on (feature `netns`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use sotay_tests::network::{applied, commune, event_lines, ok, province, waiting, HubProcess};
use sotay_tests::support::sotay;

/// A network namespace with a veth pair to it; deleted (with the pair) when dropped.
struct TestHost {
    name: String,
    host_ip: String,
}

fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().unwrap_or_else(|e| panic!("ip {args:?}: {e} (needs iproute2 and root)"));
    assert!(st.success(), "ip {args:?} failed (needs root)");
}

impl TestHost {
    fn new(loss_percent: u32) -> TestHost {
        let id = std::process::id() % 200 + 20;
        let name = format!("sotay-hub-{}", std::process::id());
        let (outer, inner) = (format!("sto{id}"), format!("sti{id}"));
        let (outer_ip, host_ip) = (format!("10.213.{id}.1"), format!("10.213.{id}.2"));
        ip(&["netns", "add", &name]);
        let host = TestHost { name: name.clone(), host_ip: host_ip.clone() };
        ip(&["link", "add", &outer, "type", "veth", "peer", "name", &inner]);
        ip(&["link", "set", &inner, "netns", &name]);
        ip(&["addr", "add", &format!("{outer_ip}/24"), "dev", &outer]);
        ip(&["link", "set", &outer, "up"]);
        ip(&["netns", "exec", &name, "ip", "addr", "add", &format!("{host_ip}/24"), "dev", &inner]);
        ip(&["netns", "exec", &name, "ip", "link", "set", &inner, "up"]);
        ip(&["netns", "exec", &name, "ip", "link", "set", "lo", "up"]);
        let nft = |rule: &str| {
            let st = Command::new("ip").args(["netns", "exec", &name, "nft"]).args(rule.split(' ')).status().expect("nft (package nftables)");
            assert!(st.success(), "nft {rule}");
        };
        nft("add table inet loss");
        for hook in ["input", "output"] {
            Command::new("ip")
                .args(["netns", "exec", &name, "nft", "add", "chain", "inet", "loss", hook])
                .arg(format!("{{ type filter hook {hook} priority 0 ; }}"))
                .status()
                .ok()
                .filter(|s| s.success())
                .expect("nft chain");
            nft(&format!("add rule inet loss {hook} iifname != lo oifname != lo numgen random mod 100 < {loss_percent} counter drop"));
        }
        host
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

/// Forwards `listener`'s connections to `target`, holding every chunk `delay` in each direction; the
/// first `cut_first` connections break after `cut_after` bytes from the client (a link that drops in
/// the middle of an upload). Returns the count of connections taken.
fn delaying_relay(listener: TcpListener, target: SocketAddr, delay: Duration, cut_first: usize, cut_after: usize) -> Arc<AtomicUsize> {
    fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration, limit: usize) {
        let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
        let mut writer_to = to.try_clone().expect("clone");
        std::thread::spawn(move || {
            for (due, chunk) in rx {
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                if writer_to.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = writer_to.shutdown(std::net::Shutdown::Write);
        });
        let mut buf = vec![0u8; 16 << 10];
        let mut sent = 0usize;
        while let Ok(n) = from.read(&mut buf) {
            let take = n.min(limit - sent);
            if n == 0 || tx.send((Instant::now() + delay, buf[..take].to_vec())).is_err() {
                break;
            }
            sent += take;
            if sent >= limit {
                // The link drops: both ends see the connection end mid-request.
                std::thread::sleep(delay);
                let _ = from.shutdown(std::net::Shutdown::Both);
                let _ = to.shutdown(std::net::Shutdown::Both);
                break;
            }
        }
        drop(tx);
        let _ = to.flush();
    }
    let count = Arc::new(AtomicUsize::new(0));
    let taken = count.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().take(200).flatten() {
            let Ok(server) = TcpStream::connect_timeout(&target, Duration::from_secs(10)) else { continue };
            let limit = if taken.fetch_add(1, Ordering::SeqCst) < cut_first { cut_after } else { usize::MAX };
            let (c2, s2) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
            std::thread::spawn(move || pipe(client, server, delay, limit));
            std::thread::spawn(move || pipe(s2, c2, delay, usize::MAX));
        }
    });
    count
}

#[test]
fn a_slow_lossy_link_still_brings_every_change_exactly_once() {
    let host = TestHost::new(5);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = TcpListener::bind("127.0.0.1:0").unwrap();
    let relay_url = format!("https://{}", relay.local_addr().unwrap());
    let hub_addr: SocketAddr = format!("{}:8443", host.host_ip).parse().unwrap();
    // The first two connections drop 100 KB into the upload: the agent must try again, and does.
    let connections = delaying_relay(relay, hub_addr, Duration::from_millis(250), 2, 100_000);

    let (p, up) = province(d, &relay_url);
    let c = commune(d, "XA-DH", &p, &up);
    ok(sotay(&c, &["seed", "--events", "2000", "--batch", "1000"], None));
    let _hub = HubProcess::start(&p, &hub_addr.to_string(), &["ip", "netns", "exec", &host.name], &[]);

    let started = Instant::now();
    let r = ok(sotay(&c, &["--lang", "en", "sync", "--attempts", "12"], None));
    eprintln!("first sync over 500 ms RTT and 5 % loss: {:?}\n{}{}", started.elapsed(), r.stdout, r.stderr);
    assert!(r.stderr.matches("retrying in").count() >= 2, "the agent retried after each dropped link: {}", r.stderr);
    assert!(connections.load(Ordering::SeqCst) >= 3, "a connection after the two that dropped");
    assert_eq!(waiting(&c), 0, "the outbox empties");
    applied(&p);
    let (at_hub, here) = (event_lines(&p), event_lines(&c));
    assert_eq!(at_hub.len(), 2000);
    assert_eq!(at_hub, here, "every change arrived exactly once");

    ok(sotay(&p, &["add", "plan", "--json", "-"], Some(r#"{"title": "Kế hoạch ra quân Tháng Thanh niên", "start_on": "2026-03-01"}"#)));
    let r = ok(sotay(&c, &["sync", "--attempts", "12"], None));
    assert!(r.stdout.contains("Kế hoạch ra quân Tháng Thanh niên"), "{}", r.stdout);
    assert_eq!(waiting(&p), 0);

    // The loss was real: packets were dropped on the way.
    let rules = Command::new("ip").args(["netns", "exec", &host.name, "nft", "list", "ruleset"]).output().unwrap();
    let rules = String::from_utf8_lossy(&rules.stdout);
    let dropped: u64 = rules.lines().filter_map(|l| l.split("packets ").nth(1)?.split(" ").next()?.parse::<u64>().ok()).sum();
    eprintln!("{rules}");
    assert!(dropped > 0, "{rules}");
}
