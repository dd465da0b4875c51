//! `docs/writing-a-connector.md` shows this crate's files whole and in order, so the guide
//! cannot drift from code that compiles and passes the conformance suite: the code blocks that
//! name a file (```` ```rust crates/acme-sms/src/lib.rs ````), joined, are that file, and every
//! Rust block names one.

use std::collections::BTreeMap;
use std::path::Path;

/// The fenced code blocks of `markdown`: (info string, content).
fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), String::new())),
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some((_, content)), _) => {
                content.push_str(line);
                content.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a code block is not closed");
    blocks
}

#[test]
fn the_guide_shows_the_example_crate_exactly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let guide = std::fs::read_to_string(root.join("docs/writing-a-connector.md"))
        .expect("docs/writing-a-connector.md");
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (info, content) in code_blocks(&guide) {
        let mut words = info.split_whitespace();
        let (language, file) = (words.next().unwrap_or(""), words.next());
        match file {
            Some(file) => files.entry(file.to_owned()).or_default().push(content),
            None => assert_ne!(
                language, "rust",
                "a Rust block of the guide names no file, so nothing compiles it:\n{content}"
            ),
        }
    }
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        [
            "crates/acme-sms/Cargo.toml",
            "crates/acme-sms/src/lib.rs",
            "crates/acme-sms/tests/conformance.rs"
        ]
    );
    for (file, blocks) in files {
        let actual = std::fs::read_to_string(root.join(&file)).expect("the file exists");
        assert!(
            blocks.join("\n") == actual,
            "docs/writing-a-connector.md no longer shows {file} as it is: update the guide's \
             blocks of it (joined by a blank line, they must be the file)"
        );
    }
}
