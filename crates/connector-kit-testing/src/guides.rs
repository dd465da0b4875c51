//! A connector's user guides show its compiled examples: every ```` ```rust ```` block of a
//! guide is one of the files of the crate's `examples/` (comments aside, since a translated
//! guide translates them), and every example is in every guide.

use std::path::Path;

/// Checks that every Rust block of each guide (`docs/{guide}`, from the workspace root two
/// folders above `crate_dir`) is one of `examples` (files of `crate_dir/examples`), and that
/// each guide shows each example. Panics with the block that matches none, or the example a
/// guide does not show.
///
/// ```no_run
/// // tests/guide.rs of a connector crate:
/// connector_kit_testing::guides::assert_guides_show_examples(
///     env!("CARGO_MANIFEST_DIR"),
///     &["quickstart.rs", "send_code.rs"],
///     &["my-sms.md", "my-sms.zh-CN.md"],
/// );
/// ```
pub fn assert_guides_show_examples(crate_dir: &str, examples: &[&str], guides: &[&str]) {
    let root = Path::new(crate_dir);
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    };
    let examples: Vec<(&str, Vec<String>)> = examples
        .iter()
        .map(|name| (*name, code(&read(&root.join("examples").join(name)))))
        .collect();
    for guide in guides {
        let text = read(&root.join("../../docs").join(guide));
        let mut shown = Vec::new();
        for block in rust_blocks(&text) {
            match examples
                .iter()
                .find(|(_, example)| *example == code(&block))
            {
                Some((name, _)) => shown.push(*name),
                None => panic!(
                    "{guide}: this Rust block is none of the examples in {}/examples (copy the \
                     example's code, comments may differ):\n{block}",
                    root.display()
                ),
            }
        }
        for (name, _) in &examples {
            assert!(
                shown.contains(name),
                "{guide} does not show examples/{name}"
            );
        }
    }
}

/// The code without its comments and blank lines.
pub fn code(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let line = if line.trim_start().starts_with("//") {
                ""
            } else {
                line.find(" // ").map_or(line, |at| &line[..at])
            };
            line.trim_end().to_owned()
        })
        .filter(|line| !line.is_empty())
        .collect()
}

/// The ```` ```rust ```` blocks of a Markdown text.
pub fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start() == "```rust" => current = Some(String::new()),
            Some(block) if line.trim_start() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_do_not_count() {
        assert_eq!(
            code("//! doc\nlet a = 1; // one\n\n    // note\nlet url = \"http://x\";\n"),
            ["let a = 1;", "let url = \"http://x\";"]
        );
        assert_eq!(rust_blocks("x\n```rust\na\n```\n```sh\nb\n```\n"), ["a\n"]);
    }
}
