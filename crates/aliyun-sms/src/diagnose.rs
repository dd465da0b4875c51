//! Explaining a `SignatureDoesNotMatch`: Aliyun's message carries the string-to-sign it
//! computed (after `server string to sign is:`). Equal to ours: the secret is wrong. Different:
//! something changed the request on the way, and the parameters that differ are named.
//!
//! Values are only shown for parameters that are neither personal nor secret: never the phone
//! number, the template parameters (the code) or the security token.

use std::collections::BTreeMap;

use aliyun_sign::encode::percent_decode;

/// What Aliyun writes before its string-to-sign.
const MARKER: &str = "server string to sign is:";
/// What may follow the string-to-sign of a V3 request (lower case, as searched).
const CANONICAL_MARKER: &str = "server canonical request is:";

/// Parameters whose values may be shown in a diagnosis.
const SHOWN: [&str; 12] = [
    "AccessKeyId",
    "Action",
    "Format",
    "OutId",
    "RegionId",
    "SignName",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "TemplateCode",
    "Timestamp",
    "Version",
];

/// The longest value shown, in characters.
const MAX_SHOWN: usize = 64;

/// A message for a `SignatureDoesNotMatch` answer, from Aliyun's message and the string-to-sign
/// of the request (`None` when unknown). Does not repeat Aliyun's string-to-sign, which holds
/// the STS token when there is one.
///
/// ```
/// use aliyun_sms::signature_mismatch;
///
/// let ours = "POST&%2F&AccessKeyId%3Dtestid%26TemplateCode%3DSMS_1";
/// let aliyun = format!("Specified signature is not matched with our calculation. server string to sign is:{ours}");
/// assert!(signature_mismatch(&aliyun, Some(ours)).contains("the AccessKey secret is wrong"));
///
/// let changed = "POST&%2F&AccessKeyId%3Dtestid%26TemplateCode%3DSMS_2";
/// let aliyun = format!("Specified signature is not matched with our calculation. server string to sign is:{changed}");
/// let message = signature_mismatch(&aliyun, Some(ours));
/// assert!(message.contains("changed it on the way"), "{message}");
/// assert!(message.contains("TemplateCode (ours `SMS_1`, Aliyun's `SMS_2`)"), "{message}");
/// ```
pub fn signature_mismatch(aliyun_message: &str, ours: Option<&str>) -> String {
    let lower = aliyun_message.to_ascii_lowercase();
    let (said, server) = match lower.find(MARKER) {
        Some(at) => {
            // A V3 answer may add the canonical request after the string-to-sign.
            let start = at + MARKER.len();
            let end = lower[start..]
                .find(CANONICAL_MARKER)
                .map_or(aliyun_message.len(), |offset| start + offset);
            (
                aliyun_message[..at].trim(),
                Some(aliyun_message[start..end].trim()),
            )
        }
        None => (aliyun_message.trim(), None),
    };
    let verdict = match (server, ours) {
        (None, _) | (Some(""), _) => {
            "Aliyun did not say what it signed; most likely the AccessKey \
             secret is wrong: check accessKeySecret"
                .to_owned()
        }
        (Some(_), None) => "the string-to-sign of this request is not known here to compare with \
             Aliyun's; most likely the AccessKey secret is wrong: check accessKeySecret"
            .to_owned(),
        (Some(server), Some(ours)) if server == ours => "Aliyun signed exactly what this \
             connector signed, so the AccessKey secret is wrong: check accessKeySecret (with STS \
             credentials, also that the secret and the token belong together)"
            .to_owned(),
        (Some(server), Some(ours)) => differences(server, ours),
    };
    if said.is_empty() {
        verdict
    } else {
        format!("{verdict}. Aliyun said: {said}")
    }
}

/// How two different strings-to-sign differ.
fn differences(server: &str, ours: &str) -> String {
    const CHANGED: &str = "Aliyun signed a different request than this connector, so something \
         changed it on the way (a proxy or gateway?) or it was signed wrongly";
    let (Some((server_method, server_params)), Some((our_method, our_params))) =
        (parse_v1(server), parse_v1(ours))
    else {
        // V3 strings-to-sign hold only a hash of the canonical request.
        return format!("{CHANGED}: the headers or the body differ from what was signed");
    };
    let mut found = Vec::new();
    if server_method != our_method {
        found.push(format!(
            "method (ours {our_method}, Aliyun's {server_method})"
        ));
    }
    let mut changed = Vec::new();
    let mut missing = Vec::new();
    for (name, ours) in &our_params {
        match server_params.get(name) {
            None => missing.push(name.as_str()),
            Some(theirs) if theirs != ours => changed.push(if SHOWN.contains(&name.as_str()) {
                format!(
                    "{name} (ours `{}`, Aliyun's `{}`)",
                    shown(ours),
                    shown(theirs)
                )
            } else {
                name.clone()
            }),
            Some(_) => {}
        }
    }
    let extra: Vec<&str> = server_params
        .keys()
        .filter(|name| !our_params.contains_key(*name))
        .map(String::as_str)
        .collect();
    if !changed.is_empty() {
        found.push(format!("changed: {}", changed.join(", ")));
    }
    if !missing.is_empty() {
        found.push(format!("missing at Aliyun: {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        found.push(format!("added on the way: {}", extra.join(", ")));
    }
    if found.is_empty() {
        found.push("the parameters are the same but encoded differently".to_owned());
    }
    format!("{CHANGED}; {}", found.join("; "))
}

/// `METHOD&%2F&encode(name=value&...)` → the method and the decoded parameters.
fn parse_v1(string_to_sign: &str) -> Option<(&str, BTreeMap<String, String>)> {
    let (method, rest) = string_to_sign.split_once('&')?;
    let (path, encoded) = rest.split_once('&')?;
    if path != "%2F" {
        return None;
    }
    let canonical = percent_decode(encoded).ok()?;
    let mut params = BTreeMap::new();
    for pair in canonical.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(percent_decode(name).ok()?, percent_decode(value).ok()?);
    }
    Some((method, params))
}

fn shown(value: &str) -> String {
    if value.chars().count() <= MAX_SHOWN {
        value.to_owned()
    } else {
        let mut cut: String = value.chars().take(MAX_SHOWN).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(params: &[(&str, &str)]) -> String {
        let cqs = aliyun_sign::rpc::canonicalized_query_string(params);
        aliyun_sign::rpc::string_to_sign("POST", &cqs)
    }

    fn aliyun(server: &str) -> String {
        format!(
            "Specified signature is not matched with our calculation. server string to sign is:{server}"
        )
    }

    #[test]
    fn names_what_changed_without_showing_personal_values() {
        let ours = sts(&[
            ("OutId", "o-1"),
            ("PhoneNumbers", "8613800138000"),
            ("SecurityToken", "tok-secret"),
            ("TemplateCode", "SMS_1"),
            ("TemplateParam", r#"{"code":"123456"}"#),
            ("Timestamp", "2024-05-01T08:09:10Z"),
        ]);
        let server = sts(&[
            ("PhoneNumbers", "8613900139000"),
            ("SecurityToken", "tok-other"),
            ("TemplateCode", "SMS_1"),
            ("TemplateParam", r#"{"code":"654321"}"#),
            ("Timestamp", "2024-05-01T08:09:11Z"),
            ("Via", "proxy"),
        ]);
        let message = signature_mismatch(&aliyun(&server), Some(&ours));
        assert!(message.contains("changed it on the way"), "{message}");
        assert!(
            message.contains(
                "changed: PhoneNumbers, SecurityToken, TemplateParam, Timestamp (ours `2024-05-01T08:09:10Z`, Aliyun's `2024-05-01T08:09:11Z`)"
            ),
            "{message}"
        );
        assert!(message.contains("missing at Aliyun: OutId"), "{message}");
        assert!(message.contains("added on the way: Via"), "{message}");
        for secret in ["138001", "139001", "123456", "654321", "tok-"] {
            assert!(!message.contains(secret), "{secret} in {message}");
        }
        assert!(
            message
                .ends_with("Aliyun said: Specified signature is not matched with our calculation.")
        );
    }

    #[test]
    fn same_string_means_wrong_secret() {
        let ours = sts(&[("Action", "SendSms")]);
        let message = signature_mismatch(&aliyun(&ours), Some(&ours));
        assert!(
            message.contains("the AccessKey secret is wrong"),
            "{message}"
        );
        assert!(!message.contains("Action%3DSendSms"), "{message}");
    }

    #[test]
    fn other_shapes() {
        let message = signature_mismatch("Specified signature is not matched.", Some("x"));
        assert!(message.contains("did not say what it signed"), "{message}");
        let message = signature_mismatch(
            &aliyun("ACS3-HMAC-SHA256\nabc"),
            Some("ACS3-HMAC-SHA256\ndef"),
        );
        assert!(message.contains("headers or the body differ"), "{message}");
        let ours = sts(&[("A", "1")]);
        let message = signature_mismatch(&aliyun(&ours.replacen("POST", "GET", 1)), Some(&ours));
        assert!(
            message.contains("method (ours POST, Aliyun's GET)"),
            "{message}"
        );
        let message = signature_mismatch(&aliyun(&ours), None);
        assert!(message.contains("not known here"), "{message}");
        // V3: the canonical request after the string-to-sign is not part of it.
        let v3 = "ACS3-HMAC-SHA256\nabc";
        let message = signature_mismatch(
            &aliyun(&format!("{v3} server canonical request is:POST\n/\n")),
            Some(v3),
        );
        assert!(
            message.contains("the AccessKey secret is wrong"),
            "{message}"
        );
        // Same parameters, different encoding.
        let message = signature_mismatch(&aliyun("POST&%2F&A%3D%31"), Some(&ours));
        assert!(message.contains("encoded differently"), "{message}");
    }
}
