//! Every vendored conformance corpus (tests/conformance/*.jsonl) passes.

#[path = "support/conformance.rs"]
mod conformance;

#[test]
fn vendored_corpora_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "corpus files missing from {}",
        dir.display()
    );
    let mut report = conformance::Report::default();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable corpus");
        report.run_text(&file.display().to_string(), &text);
    }
    for line in &report.failures {
        eprintln!("{line}");
    }
    eprintln!("{}", report.summary());
    assert!(report.passed >= 1294, "{}", report.summary());
    assert!(report.failures.is_empty(), "{}", report.summary());
}
