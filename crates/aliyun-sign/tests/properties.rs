//! Property tests (never panics, encoder exactness, order independence), the adversarial
//! encoding table, and redacted `Debug` output.

use std::collections::BTreeMap;

use aliyun_sign::{Credentials, encode, rpc, v3};
use proptest::prelude::*;

/// Byte-by-byte reference: only `A-Z a-z 0-9 - _ . ~` stay, everything else is `%XX` upper case.
fn reference_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn credentials(id: &str, secret: &str, token: Option<&String>) -> Credentials {
    let credentials = Credentials::new(id, secret);
    match token {
        Some(token) => credentials.with_security_token(token.as_str()),
        None => credentials,
    }
}

/// Distinct names (so the order given is the only thing a shuffle changes), then a shuffle.
type Params = Vec<(String, String)>;

fn params_and_shuffle() -> impl Strategy<Value = (Params, Params)> {
    prop::collection::btree_map(any::<String>(), any::<String>(), 0..16).prop_flat_map(
        |map: BTreeMap<String, String>| {
            let sorted: Params = map.into_iter().collect();
            (Just(sorted.clone()), Just(sorted).prop_shuffle())
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn v1_signing_never_panics(
        method in any::<String>(),
        params in prop::collection::vec((any::<String>(), any::<String>()), 0..24),
        id in any::<String>(),
        secret in any::<String>(),
        token in prop::option::of(any::<String>()),
        timestamp in any::<String>(),
        nonce in any::<String>(),
    ) {
        let credentials = credentials(&id, &secret, token.as_ref());
        let signed = rpc::sign(&method, &params, &credentials, &timestamp, &nonce);
        let by_signer = rpc::RpcSigner::new(&credentials).sign(&method, &params, &timestamp, &nonce);
        prop_assert_eq!(&signed, &by_signer);
        prop_assert!(rpc::verify_signature(&secret, &signed.string_to_sign, &signed.signature));
        // The one-pass builder inside `sign` agrees with the stage functions.
        prop_assert_eq!(
            rpc::canonicalized_query_string(&signed.params),
            signed.canonicalized_query_string.clone()
        );
        prop_assert_eq!(
            rpc::string_to_sign(&method, &signed.canonicalized_query_string),
            signed.string_to_sign.clone()
        );
        let body = signed.to_form_body();
        prop_assert!(body.ends_with(&signed.signature_percent_encoded()));
        prop_assert!(!signed.params.iter().any(|(k, _)| k == "Signature"));
    }

    #[test]
    fn v3_signing_never_panics(
        method in any::<String>(),
        host in any::<String>(),
        canonical_uri in any::<String>(),
        action in any::<String>(),
        version in any::<String>(),
        query in prop::collection::vec((any::<String>(), any::<String>()), 0..16),
        body in prop::collection::vec(any::<u8>(), 0..512),
        content_type in prop::option::of(any::<String>()),
        id in any::<String>(),
        secret in any::<String>(),
        token in prop::option::of(any::<String>()),
        timestamp in any::<String>(),
        nonce in any::<String>(),
        extra_headers in prop::collection::vec((any::<String>(), any::<String>()), 0..8),
    ) {
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let request = v3::V3Request {
            method: &method,
            host: &host,
            canonical_uri: &canonical_uri,
            action: &action,
            version: &version,
            query: &query,
            body: &body,
            content_type: content_type.as_deref(),
        };
        let credentials = credentials(&id, &secret, token.as_ref());
        let signed = v3::sign(&request, &credentials, &timestamp, &nonce);
        prop_assert!(v3::verify_signature(&secret, &signed.string_to_sign, &signed.signature));
        prop_assert_eq!(signed.headers.last().map(|(k, _)| k.as_str()), Some("authorization"));
        let _ = v3::canonical_headers(&extra_headers);
    }

    #[test]
    fn encoder_leaves_exactly_unreserved_and_round_trips(s in any::<String>()) {
        let encoded = encode::percent_encode(&s);
        prop_assert_eq!(&encoded, &reference_encode(&s));
        prop_assert_eq!(encoded.len(), encode::encoded_len(&s));
        let mut appended = String::from("x=");
        encode::percent_encode_into(&s, &mut appended);
        prop_assert_eq!(&appended[2..], encoded.as_str());
        prop_assert_eq!(encode::percent_decode(&encoded), Ok(s));
    }

    #[test]
    fn decoder_never_panics(s in any::<String>()) {
        if let Ok(decoded) = encode::percent_decode(&s) {
            prop_assert!(decoded.len() <= s.len());
        }
    }

    #[test]
    fn v1_signature_ignores_parameter_order(
        (sorted, shuffled) in params_and_shuffle(),
        secret in any::<String>(),
    ) {
        let credentials = Credentials::new("testId", secret.as_str());
        let a = rpc::sign("POST", &sorted, &credentials, "2024-05-01T08:09:10Z", "nonce");
        let b = rpc::sign("POST", &shuffled, &credentials, "2024-05-01T08:09:10Z", "nonce");
        prop_assert_eq!(a, b);
        prop_assert_eq!(
            rpc::canonicalized_query_string(&sorted),
            rpc::canonicalized_query_string(&shuffled)
        );
    }

    #[test]
    fn v3_signature_ignores_query_and_header_order(
        (sorted, shuffled) in params_and_shuffle(),
        (headers, shuffled_headers) in params_and_shuffle(),
    ) {
        let sign = |query: &[(String, String)]| {
            let query: Vec<(&str, &str)> =
                query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let request = v3::V3Request {
                method: "POST",
                host: "dysmsapi.aliyuncs.com",
                canonical_uri: "/",
                action: "SendSms",
                version: "2017-05-25",
                query: &query,
                body: b"",
                content_type: None,
            };
            v3::sign(&request, &Credentials::new("testId", "testSecret"), "2024-05-01T08:09:10Z", "n")
        };
        prop_assert_eq!(sign(&sorted), sign(&shuffled));
        // Names that differ only in case merge; keep the property to distinct lower-case names.
        let distinct = |h: &[(String, String)]| {
            let mut names: Vec<String> = h.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
            names.sort();
            names.dedup();
            names.len() == h.len()
        };
        if distinct(&headers) {
            prop_assert_eq!(v3::canonical_headers(&headers), v3::canonical_headers(&shuffled_headers));
        }
    }
}

/// The cases that break hand-rolled encoders: an already-encoded `%2F`, `+`, space, `*`, `~`,
/// double encoding, an empty value, a repeated key (kept in the order given), non-ASCII, and a
/// `Signature` parameter (never signed).
#[test]
fn adversarial_parameters() {
    let params = [
        ("path", "%2F"),
        ("plus", "a+b"),
        ("space", "a b"),
        ("star", "*"),
        ("tilde", "~"),
        ("double", "%252F"),
        ("empty", ""),
        ("rep", "2"),
        ("中文", "值"),
        ("rep", "1"),
        ("Zeta", "z"),
        ("Signature", "ignored"),
    ];
    let cqs = rpc::canonicalized_query_string(&params);
    assert_eq!(
        cqs,
        "Zeta=z&double=%25252F&empty=&path=%252F&plus=a%2Bb&rep=2&rep=1&space=a%20b&star=%2A\
         &tilde=~&%E4%B8%AD%E6%96%87=%E5%80%BC"
    );
    assert_eq!(
        rpc::string_to_sign("GET", &cqs),
        "GET&%2F&Zeta%3Dz%26double%3D%2525252F%26empty%3D%26path%3D%25252F%26plus%3Da%252Bb\
         %26rep%3D2%26rep%3D1%26space%3Da%2520b%26star%3D%252A%26tilde%3D~\
         %26%25E4%25B8%25AD%25E6%2596%2587%3D%25E5%2580%25BC"
    );
    // V3 shares the encoding and sort, but has no `Signature` parameter to skip.
    assert_eq!(
        v3::canonical_query_string(&params),
        cqs.replacen("Zeta=z&", "Signature=ignored&Zeta=z&", 1)
    );

    let credentials = Credentials::new("testId", "testSecret");
    let signed = rpc::sign("GET", &params, &credentials, "2024-05-01T08:09:10Z", "n");
    let reps: Vec<&str> = signed
        .params
        .iter()
        .filter(|(k, _)| k == "rep")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(reps, ["2", "1"]);
    assert!(signed.to_form_body().contains("&empty=&"));

    for (raw, encoded) in [
        ("%2F", "%252F"),
        ("+", "%2B"),
        (" ", "%20"),
        ("*", "%2A"),
        ("~", "~"),
        ("%252F", "%25252F"),
        ("", ""),
        ("é", "%C3%A9"),
        ("😀", "%F0%9F%98%80"),
    ] {
        assert_eq!(encode::percent_encode(raw), encoded, "encoding {raw:?}");
        assert_eq!(
            encode::percent_decode(encoded).as_deref(),
            Ok(raw),
            "decoding {encoded:?}"
        );
    }
}

#[test]
fn common_parameters_replace_given_ones() {
    let credentials = Credentials::new("realId", "testSecret").with_security_token("sts");
    let params = [
        ("Action", "SendSms"),
        ("AccessKeyId", "spoofed"),
        ("Timestamp", "1999-01-01T00:00:00Z"),
        ("SignatureNonce", "old"),
        ("SignatureMethod", "HMAC-SHA256"),
        ("SignatureVersion", "2.0"),
        ("SecurityToken", "old-token"),
        ("Signature", "stale"),
    ];
    let signed = rpc::sign("POST", &params, &credentials, "2024-05-01T08:09:10Z", "new");
    let expected: Vec<(String, String)> = [
        ("AccessKeyId", "realId"),
        ("Action", "SendSms"),
        ("SecurityToken", "sts"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "new"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2024-05-01T08:09:10Z"),
    ]
    .iter()
    .map(|&(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(signed.params, expected);

    // Without STS credentials a given SecurityToken is the caller's business and stays.
    let plain = Credentials::new("realId", "testSecret");
    let signed = rpc::sign("POST", &params, &plain, "2024-05-01T08:09:10Z", "new");
    assert!(
        signed
            .params
            .contains(&("SecurityToken".to_owned(), "old-token".to_owned()))
    );
}

#[test]
fn v3_canonical_headers_lowercase_trim_sort_merge() {
    let headers = [
        ("X-Acs-Date", " 2024-05-01T08:09:10Z "),
        ("Host", "dysmsapi.aliyuncs.com"),
        ("x-acs-meta", "a"),
        ("X-ACS-META", "\tb"),
    ];
    let (canonical, signed) = v3::canonical_headers(&headers);
    assert_eq!(
        canonical,
        "host:dysmsapi.aliyuncs.com\nx-acs-date:2024-05-01T08:09:10Z\nx-acs-meta:a,b\n"
    );
    assert_eq!(signed, "host;x-acs-date;x-acs-meta");
    let none: [(&str, &str); 0] = [];
    assert_eq!(v3::canonical_headers(&none), (String::new(), String::new()));
}

#[test]
fn v3_sign_with_sts_and_body() {
    let credentials = Credentials::new("STS.id", "testSecret").with_security_token("tok");
    let request = v3::V3Request {
        method: "POST",
        host: "dysmsapi.aliyuncs.com",
        canonical_uri: "/",
        action: "SendSms",
        version: "2017-05-25",
        query: &[],
        body: b"PhoneNumbers=13800138000",
        content_type: Some("application/x-www-form-urlencoded"),
    };
    let signed = v3::sign(&request, &credentials, "2024-05-01T08:09:10Z", "n");
    assert_eq!(
        signed.signed_headers,
        "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;\
         x-acs-signature-nonce;x-acs-version"
    );
    let names: Vec<&str> = signed.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names.len(), 9);
    assert!(names.contains(&"x-acs-security-token") && names.contains(&"content-type"));
    assert_eq!(
        signed
            .headers
            .iter()
            .find(|(k, _)| k == "x-acs-content-sha256")
            .map(|(_, v)| v.as_str()),
        Some(v3::hashed_payload(b"PhoneNumbers=13800138000").as_str())
    );
    assert_ne!(
        signed
            .headers
            .iter()
            .find(|(k, _)| k == "x-acs-content-sha256")
            .map(|(_, v)| v.as_str()),
        Some(v3::EMPTY_BODY_SHA256)
    );
}

#[test]
fn debug_output_is_redacted() {
    let secret = "S3cr3t-Never-Printed";
    let token = "T0ken-Never-Printed";
    let credentials = Credentials::new("LTAI-visible-id", secret).with_security_token(token);
    let signer = rpc::RpcSigner::new(&credentials);
    for printed in [
        format!("{credentials:?}"),
        format!("{credentials:#?}"),
        format!("{signer:?}"),
        format!("{signer:#?}"),
    ] {
        assert!(!printed.contains(secret), "secret in {printed}");
        assert!(!printed.contains(token), "token in {printed}");
        assert!(
            printed.contains("LTAI-visible-id"),
            "id missing from {printed}"
        );
        assert!(
            printed.contains("** redacted **"),
            "no redaction marker in {printed}"
        );
    }
    // The signed requests carry the token (it is signed): their Debug hides every form of it.
    let token = "T0ken/Never+Printed=";
    let credentials = Credentials::new("LTAI-visible-id", secret).with_security_token(token);
    let signer = rpc::RpcSigner::new(&credentials);
    let params = [("Action", "SendSms"), ("PhoneNumbers", "13800138000")];
    let once = encode::percent_encode(token);
    let twice = encode::percent_encode(&once);
    let v1 = rpc::sign("POST", &params, &credentials, "2024-05-01T00:00:00Z", "n-1");
    let form = signer.sign_form("POST", &params, "2024-05-01T00:00:00Z", "n-1");
    let request = v3::V3Request {
        method: "POST",
        host: "dysmsapi.aliyuncs.com",
        canonical_uri: "/",
        action: "SendSms",
        version: "2017-05-25",
        query: &[],
        body: b"",
        content_type: None,
    };
    let signed_v3 = v3::sign(&request, &credentials, "2024-05-01T00:00:00Z", "n-1");
    assert!(v1.string_to_sign.contains(&twice) && form.canonicalized_query_string.contains(&once));
    assert!(signed_v3.canonical_request.contains(token));
    for printed in [
        format!("{v1:?}"),
        format!("{form:?}"),
        format!("{signed_v3:?}"),
        format!("{signed_v3:#?}"),
    ] {
        for form in [token, once.as_str(), twice.as_str()] {
            assert!(!printed.contains(form), "token as {form} in {printed}");
        }
        assert!(printed.contains("** redacted **"), "no marker in {printed}");
        assert!(!printed.contains(secret), "secret in {printed}");
    }

    let without_token = format!("{:?}", Credentials::new("id", secret));
    assert!(!without_token.contains(secret));
    assert_eq!(signer.credentials().access_key_secret(), secret);
    assert_eq!(signer.credentials().security_token(), Some(token));
}
