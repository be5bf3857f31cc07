//! The binary's own contract with a shell. (Having an integration test here also makes `cargo test`
//! build the `sotay` binary that the black-box tests in tests/ run.)

use std::process::Command;

#[test]
fn version_and_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_sotay")).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("sotay {}", env!("CARGO_PKG_VERSION")));
    // No command: usage on stderr, exit code 2 (clap's convention for a usage error).
    let out = Command::new(env!("CARGO_BIN_EXE_sotay")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));
}
