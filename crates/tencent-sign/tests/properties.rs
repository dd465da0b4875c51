//! Property tests (never panics, the hot path agrees with the stages, order and case
//! independence, the kept key), canonical-header edge cases, and redacted `Debug` output.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use tencent_sign::{Authorization, Credentials, Tc3Signer, Timestamp, tc3};

type Headers = Vec<(String, String)>;

fn borrowed(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Headers with distinct names, as canonical as the signer makes them (lower case, no
/// surrounding whitespace), so that a shuffle changes only their order.
fn headers_and_shuffle() -> impl Strategy<Value = (Headers, Headers)> {
    prop::collection::btree_map("[a-z0-9-]{1,12}", "[ -~]{0,40}", 0..8).prop_flat_map(
        |map: BTreeMap<String, String>| {
            let sorted: Headers = map
                .into_iter()
                .map(|(k, v)| (k, v.trim_ascii().to_ascii_lowercase()))
                .collect();
            (Just(sorted.clone()), Just(sorted).prop_shuffle())
        },
    )
}

fn any_timestamp() -> impl Strategy<Value = Timestamp> {
    (0..=Timestamp::MAX).prop_map(|s| Timestamp::from_unix_seconds(s).expect("in range"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn signing_never_panics_and_the_hot_path_agrees(
        method in any::<String>(),
        canonical_uri in any::<String>(),
        query in any::<String>(),
        headers in prop::collection::vec((any::<String>(), any::<String>()), 0..8),
        payload in prop::collection::vec(any::<u8>(), 0..512),
        id in any::<String>(),
        secret in any::<String>(),
        service in any::<String>(),
        seconds in any::<u64>(),
    ) {
        let Ok(timestamp) = Timestamp::from_unix_seconds(seconds) else {
            prop_assert!(seconds > Timestamp::MAX);
            return Ok(());
        };
        let headers = borrowed(&headers);
        let request = tc3::Tc3Request {
            method: &method,
            canonical_uri: &canonical_uri,
            canonical_query_string: &query,
            headers: &headers,
            payload: &payload,
        };
        let credentials = Credentials::new(id.as_str(), secret.as_str());
        let signed = tc3::sign(&request, &credentials, &service, timestamp);
        let signer = Tc3Signer::new(credentials, service.as_str());
        prop_assert_eq!(signer.authorization(&request, timestamp), signed.authorization.clone());
        prop_assert_eq!(&signer.sign(&request, timestamp), &signed);
        prop_assert!(signer.verify(&request, timestamp, &signed.signature));
        // The stages chain as the stage functions do.
        prop_assert_eq!(
            tc3::canonical_request(
                &method,
                &canonical_uri,
                &query,
                &signed.canonical_headers,
                &signed.signed_headers,
                &signed.hashed_payload,
            ),
            signed.canonical_request.clone()
        );
        prop_assert_eq!(
            tc3::string_to_sign(seconds, &signed.credential_scope, &signed.canonical_request),
            signed.string_to_sign.clone()
        );
        prop_assert!(
            signer.signing_key(timestamp.date()).verify_signature(&signed.string_to_sign, &signed.signature)
        );
    }

    #[test]
    fn receiving_never_panics(
        header in any::<String>(),
        timestamp in any::<String>(),
        signature in any::<String>(),
    ) {
        let _ = Authorization::parse(&header);
        let parsed_timestamp = timestamp.parse::<Timestamp>();
        if let Ok(parsed) = parsed_timestamp {
            prop_assert_eq!(parsed.to_string(), timestamp);
        }
        let signer = Tc3Signer::new(Credentials::new("id", "key"), "sms");
        let request = tc3::Tc3Request::post(&[("host", "sms.tencentcloudapi.com")], b"{}");
        let at = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        let right = signer.sign(&request, at).signature;
        prop_assert_eq!(signer.verify(&request, at, &signature), signature.eq_ignore_ascii_case(&right));
    }

    #[test]
    fn authorization_reads_back_what_was_written(
        id in ".+",
        service in "[a-z]{1,12}",
        (names, _) in headers_and_shuffle(),
        timestamp in any_timestamp(),
        signature in "[0-9a-f]{64}",
    ) {
        prop_assume!(!names.is_empty());
        let names = borrowed(&names);
        let (_, signed_headers) = tc3::canonical_headers(&names);
        let date = timestamp.date();
        let scope = tc3::credential_scope(date.as_str(), &service);
        let header = tc3::authorization(&id, &scope, &signed_headers, &signature);
        let parsed = Authorization::parse(&header);
        prop_assert_eq!(parsed, Ok(Authorization {
            secret_id: &id,
            date: date.as_str(),
            service: &service,
            signed_headers: &signed_headers,
            signature: &signature,
        }));
    }

    #[test]
    fn header_order_case_and_padding_do_not_matter(
        (sorted, shuffled) in headers_and_shuffle(),
        payload in prop::collection::vec(any::<u8>(), 0..256),
        timestamp in any_timestamp(),
    ) {
        let signer = Tc3Signer::new(Credentials::new("id", "key"), "sms");
        let sign = |headers: &[(String, String)]| {
            signer.authorization(&tc3::Tc3Request::post(&borrowed(headers), &payload), timestamp)
        };
        let shouted: Headers = shuffled
            .iter()
            .map(|(k, v)| (format!(" {}\t", k.to_ascii_uppercase()), format!("\t{} ", v.to_ascii_uppercase())))
            .collect();
        prop_assert_eq!(tc3::canonical_headers(&sorted), tc3::canonical_headers(&shuffled));
        prop_assert_eq!(tc3::canonical_headers(&sorted), tc3::canonical_headers(&shouted));
        let expected = sign(&sorted);
        prop_assert_eq!(sign(&shuffled), expected.clone());
        prop_assert_eq!(sign(&shouted), expected);
    }

    /// Whatever order the timestamps come in, the kept key never signs for the wrong day.
    #[test]
    fn kept_key_follows_the_date(
        seconds in prop::collection::vec(1_735_600_000u64..1_735_800_000, 1..12),
    ) {
        let credentials = Credentials::new("id", "key");
        let signer = Tc3Signer::new(credentials.clone(), "sms");
        let headers = [("content-type", "application/json"), ("host", "sms.tencentcloudapi.com")];
        let request = tc3::Tc3Request::post(&headers, b"{}");
        for s in seconds {
            let timestamp = Timestamp::from_unix_seconds(s).unwrap();
            prop_assert_eq!(
                signer.authorization(&request, timestamp),
                tc3::sign(&request, &credentials, "sms", timestamp).authorization
            );
        }
    }

    #[test]
    fn debug_never_shows_a_secret(
        secret in "[A-Za-z0-9+/=]{12,40}",
        token in "[A-Za-z0-9+/=]{12,40}",
        seconds in 0..=Timestamp::MAX,
    ) {
        let timestamp = Timestamp::from_unix_seconds(seconds).unwrap();
        let credentials = Credentials::new("AKID-visible", secret.as_str()).with_token(token.as_str());
        let signer = Tc3Signer::new(credentials.clone(), "sms");
        let request = tc3::Tc3Request::post(&[("host", "sms.tencentcloudapi.com")], b"{}");
        let signed = signer.sign(&request, timestamp);
        let date = timestamp.date();
        let secret_date = tc3::secret_date(&secret, date.as_str());
        let secret_signing = tc3::secret_signing(&tc3::secret_service(&secret_date, "sms"));
        let key_hex: String = secret_signing.expose_secret().iter().map(|b| format!("{b:02x}")).collect();
        for printed in [
            format!("{credentials:?}"),
            format!("{credentials:#?}"),
            format!("{signer:?}"),
            format!("{signer:#?}"),
            format!("{:?}", signer.signing_key(date)),
            format!("{secret_date:?}"),
            format!("{secret_signing:?}"),
            format!("{signed:?}"),
        ] {
            prop_assert!(!printed.contains(&secret), "SecretKey in {}", printed);
            prop_assert!(!printed.contains(&token), "token in {}", printed);
            prop_assert!(!printed.contains(&key_hex), "signing key in {}", printed);
        }
    }
}

#[test]
fn kept_key_is_reused_and_replaced_only_by_a_later_date() {
    let signer = Tc3Signer::new(Credentials::new("id", "key"), "sms");
    let date = |s| Timestamp::from_unix_seconds(s).unwrap().date();
    let (dec31, jan1, jan2) = (
        date(1_735_689_599),
        date(1_735_689_600),
        date(1_735_776_000),
    );

    let first = signer.signing_key(jan1);
    assert!(Arc::ptr_eq(&first, &signer.signing_key(jan1)), "kept");
    let late = signer.signing_key(dec31);
    assert_eq!(late.date(), dec31);
    assert!(
        Arc::ptr_eq(&first, &signer.signing_key(jan1)),
        "an earlier date does not replace the kept key"
    );
    let next = signer.signing_key(jan2);
    assert_eq!(next.date(), jan2);
    assert!(Arc::ptr_eq(&next, &signer.signing_key(jan2)), "replaced");
    assert!(format!("{signer:?}").contains("2025-01-02"));

    let clone = signer.clone();
    assert!(
        Arc::ptr_eq(&next, &clone.signing_key(jan2)),
        "a clone keeps the key"
    );
}

#[test]
fn signer_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Tc3Signer>();
    assert_send_sync::<tc3::SigningKey>();
}

#[test]
fn canonical_headers_lowercase_trim_sort_merge() {
    let headers = [
        ("X-TC-Action", " SendSms "),
        ("Host", "SMS.TencentCloudAPI.com"),
        ("Content-Type", "application/json; charset=UTF-8"),
        ("x-tc-meta", "a"),
        ("X-TC-META", "\tb"),
    ];
    let (canonical, signed) = tc3::canonical_headers(&headers);
    assert_eq!(
        canonical,
        "content-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n\
         x-tc-action:sendsms\nx-tc-meta:a,b\n"
    );
    assert_eq!(signed, "content-type;host;x-tc-action;x-tc-meta");

    // Nothing signed: the canonical request still has its empty line before SignedHeaders.
    let none: [(&str, &str); 0] = [];
    assert_eq!(
        tc3::canonical_headers(&none),
        (String::new(), String::new())
    );
    assert_eq!(
        tc3::canonical_request("GET", "/", "", "", "", tc3::EMPTY_PAYLOAD_SHA256),
        format!("GET\n/\n\n\n\n{}", tc3::EMPTY_PAYLOAD_SHA256)
    );
    assert_eq!(tc3::hashed_payload(b""), tc3::EMPTY_PAYLOAD_SHA256);
}
