//! Text shown in config messages: values escaped so that nothing hides, and a cheap "did you
//! mean".

use std::fmt::Write as _;

/// How many characters of a value a message shows before it says how long the rest is.
pub const MAX_ECHO_CHARS: usize = 64;

/// `text` as a message shows it: printable ASCII as it is (`\` doubled), every other character
/// as `\u{…}`, at most [`MAX_ECHO_CHARS`] characters and then `… (N characters)`.
///
/// A look-alike (Cyrillic `і` in `S\u{456}gnIn`), an invisible character (`Sign\u{200b}In`), a
/// right-to-left override or a line break cannot make a message show what is not there.
///
/// ```
/// use connector_kit::config::escape;
///
/// assert_eq!(escape("SignIn"), "SignIn");
/// assert_eq!(escape("S\u{456}gn\u{200b}In\n"), r"S\u{456}gn\u{200b}In\u{a}");
/// ```
pub fn escape(text: &str) -> String {
    escape_up_to(text, Some(MAX_ECHO_CHARS))
}

/// [`escape`] with no length limit, or the given one.
pub(crate) fn escape_up_to(text: &str, limit: Option<usize>) -> String {
    let mut out = String::with_capacity(text.len().min(4 * MAX_ECHO_CHARS));
    for (shown, c) in text.chars().enumerate() {
        if limit.is_some_and(|limit| shown == limit) {
            let _ = write!(out, "… ({} characters)", text.chars().count());
            break;
        }
        match c {
            '\\' => out.push_str(r"\\"),
            // A backtick would close the quotes messages put around values.
            '`' => out.push_str(r"\u{60}"),
            ' '..='~' => out.push(c),
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    out
}

/// Whether a character is a control character (Unicode category Cc: C0 with NUL, CR and LF,
/// DEL, C1) or a format character (Cf: zero-width spaces and joiners, direction marks and
/// overrides, the byte order mark, ...): characters that cannot be seen, or change how the text
/// around them reads.
pub fn is_control_or_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{890}'..='\u{891}'
                | '\u{8e2}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0001}'
                | '\u{e0020}'..='\u{e007f}'
        )
}

/// The first [control or invisible](is_control_or_invisible) character of `text`, with its
/// position (0-based, in characters).
pub fn find_control_or_invisible(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|&(_, c)| is_control_or_invisible(c))
}

/// The longest key "did you mean" looks at; a longer one gets no suggestion, so that a
/// megabyte-long key costs nothing.
const MAX_SUGGESTION_INPUT: usize = 64;

/// The known key that `given` most likely meant, if one is close: compared without case,
/// `_`, `-`, spaces and invisible characters, within an edit distance of 2 (or a quarter of the
/// known key's length). Only `known` is searched, so the cost is bounded by its size.
///
/// ```
/// use connector_kit::config::did_you_mean;
///
/// let known = ["apiKeyId", "apiSecret", "sender"];
/// assert_eq!(did_you_mean("api_key_id", &known), Some("apiKeyId"));
/// assert_eq!(did_you_mean("Sender", &known), Some("sender"));
/// assert_eq!(did_you_mean("color", &known), None);
/// ```
pub fn did_you_mean<'k>(given: &str, known: &[&'k str]) -> Option<&'k str> {
    if given.chars().nth(MAX_SUGGESTION_INPUT).is_some() {
        return None;
    }
    let wanted = fold(given);
    known
        .iter()
        .map(|&candidate| {
            let folded = fold(candidate);
            (edit_distance(&wanted, &folded), folded.len(), candidate)
        })
        .filter(|&(distance, len, _)| distance <= 2.max(len / 4))
        .min_by_key(|&(distance, _, _)| distance)
        .map(|(_, _, candidate)| candidate)
}

fn fold(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| !matches!(c, '_' | '-' | ' ') && !is_control_or_invisible(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Levenshtein distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_shows_what_hides() {
        for (text, shown) in [
            ("plain text 123", "plain text 123"),
            ("a\\b`c\"", r#"a\\b\u{60}c""#),
            ("\0\r\n\t\u{7f}", r"\u{0}\u{d}\u{a}\u{9}\u{7f}"),
            ("Sign\u{200b}In", r"Sign\u{200b}In"),
            ("\u{202e}nIngiS", r"\u{202e}nIngiS"),
            ("SіgnIn", r"S\u{456}gnIn"),
            ("短信", r"\u{77ed}\u{4fe1}"),
        ] {
            assert_eq!(escape(text), shown, "{text:?}");
        }
        let long = "x".repeat(1000);
        let shown = escape(&long);
        assert_eq!(shown, format!("{}… (1000 characters)", "x".repeat(64)));
        assert_eq!(escape_up_to(&long, None), long);
    }

    #[test]
    fn control_and_invisible_characters() {
        for c in [
            '\0', '\r', '\n', '\u{1b}', '\u{7f}', '\u{85}', '\u{200b}', '\u{202e}', '\u{feff}',
            '\u{2066}',
        ] {
            assert!(is_control_or_invisible(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '短', '\u{3000}', 'і'] {
            assert!(!is_control_or_invisible(c), "{c:?}");
        }
        assert_eq!(find_control_or_invisible("Acm\0e"), Some((3, '\0')));
        assert_eq!(
            find_control_or_invisible("短信\u{200b}"),
            Some((2, '\u{200b}'))
        );
        assert_eq!(find_control_or_invisible("Acme"), None);
    }

    #[test]
    fn suggestions_for_near_misses_only() {
        let keys = [
            "apiKeyId",
            "apiSecret",
            "sender",
            "templates",
            "timeoutMs",
            "strictNumberCheck",
        ];
        for (given, expected) in [
            ("apiKeyI", Some("apiKeyId")),
            ("api_secret", Some("apiSecret")),
            ("template", Some("templates")),
            ("timeout", Some("timeoutMs")),
            ("strictNumberChek", Some("strictNumberCheck")),
            ("sen\u{200b}der", Some("sender")),
            ("ѕender", Some("sender")),
            ("foo", None),
            ("", None),
        ] {
            assert_eq!(did_you_mean(given, &keys), expected, "{given:?}");
        }
        let usage = ["Register", "SignIn", "ForgotPassword", "Generic"];
        assert_eq!(did_you_mean("signin", &usage), Some("SignIn"));
        assert_eq!(did_you_mean("Test", &usage), None);
        assert_eq!(did_you_mean(&"sender".repeat(100), &keys), None);
    }

    #[test]
    fn edit_distances() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
        assert_eq!(edit_distance(&chars("短信"), &chars("短信")), 0);
    }
}
