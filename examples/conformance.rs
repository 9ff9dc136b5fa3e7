//! Runs conformance corpora (JSON Lines; format in tests/conformance/README.md).
//!
//! ```text
//! cargo run --release --example conformance -- tests/conformance/*.jsonl
//! ```
//!
//! Prints one line per failing case (id, expression, what differed) and,
//! as its last line, `N passed, M failed`.  Exits with status 1 when a case
//! fails.

#[path = "../tests/support/conformance.rs"]
mod conformance;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: conformance FILE.jsonl [FILE.jsonl ...]");
        std::process::exit(2);
    }
    let mut report = conformance::Report::default();
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(text) => report.run_text(file, &text),
            Err(e) => report.failures.push(format!("{file}: cannot read: {e}")),
        }
    }
    for line in &report.failures {
        println!("{line}");
    }
    println!("{}", report.summary());
    if !report.failures.is_empty() {
        std::process::exit(1);
    }
}
