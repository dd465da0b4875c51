//! The Rust examples of the guides (`docs/aliyun-sms.md`, `docs/aliyun-sms.zh-CN.md`) are the
//! files of `examples/`, which `cargo test` compiles: each ```rust block of a guide must be one
//! of them, comments aside (the Chinese guide translates them), and each of them must be in
//! both guides. Two of them also run here, against the emulator.

#[path = "../examples/check_delivery.rs"]
#[allow(dead_code)]
mod check_delivery;
#[path = "../examples/send_code.rs"]
#[allow(dead_code)]
mod send_code;

use std::path::Path;

use aliyun_sms::AliyunSmsConnector;
use aliyun_sms_emulator::{EmulatorConfig, Limits};

const EXAMPLES: [&str; 5] = [
    "quickstart.rs",
    "send_code.rs",
    "check_delivery.rs",
    "own_http_client.rs",
    "load_config.rs",
];
const GUIDES: [&str; 2] = ["aliyun-sms.md", "aliyun-sms.zh-CN.md"];

/// The code without its comments and blank lines.
fn code(text: &str) -> Vec<String> {
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

/// The ```rust blocks of a Markdown text.
fn rust_blocks(markdown: &str) -> Vec<String> {
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

#[test]
fn every_rust_block_of_the_guides_is_a_compiled_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples: Vec<(&str, Vec<String>)> = EXAMPLES
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join("examples").join(name)).unwrap();
            (*name, code(&text))
        })
        .collect();
    for guide in GUIDES {
        let text = std::fs::read_to_string(root.join("../../docs").join(guide)).unwrap();
        let blocks = rust_blocks(&text);
        let mut shown = Vec::new();
        for block in &blocks {
            let found = examples.iter().find(|(_, example)| *example == code(block));
            match found {
                Some((name, _)) => shown.push(*name),
                None => panic!(
                    "{guide}: this Rust block is none of the examples in crates/aliyun-sms/examples \
                     (copy the example's code, comments may differ):\n{block}"
                ),
            }
        }
        for name in EXAMPLES {
            assert!(
                shown.contains(&name),
                "{guide} does not show examples/{name}"
            );
        }
    }
}

#[test]
fn comments_and_blank_lines_do_not_count() {
    assert_eq!(
        code("//! doc\nlet a = 1; // one\n\n    // note\nlet url = \"http://x\";\n"),
        ["let a = 1;", "let url = \"http://x\";"]
    );
    assert_eq!(rust_blocks("x\n```rust\na\n```\n```sh\nb\n```\n"), ["a\n"]);
}

/// The send example sends with a reference; the delivery example finds it by that reference.
#[tokio::test]
async fn the_examples_send_a_code_and_find_it_delivered() {
    let emulator = aliyun_sms_emulator::start(EmulatorConfig::demo().limits(Limits::off()))
        .await
        .unwrap();
    let config = aliyun_sms_emulator::demo_connector_config(&emulator.endpoint());
    let sms = AliyunSmsConnector::from_json(&config.to_string()).unwrap();
    let to: connector_kit::PhoneNumber = "+86 138 0013 8000".parse().unwrap();

    let biz_id = send_code::send_code(&sms, to.clone(), "123456")
        .await
        .unwrap();
    assert!(biz_id.is_some_and(|id| !id.is_empty()));
    assert!(
        check_delivery::went_out(&sms, &to, "login-7f3a")
            .await
            .unwrap()
    );
    assert!(
        !check_delivery::went_out(&sms, &to, "another")
            .await
            .unwrap()
    );
}
