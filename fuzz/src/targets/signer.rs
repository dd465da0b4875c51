//! The signer: arbitrary parameters, credentials, timestamp, nonce, method and body →
//! `rpc::sign` and `v3::sign`; and Alibaba's percent-encoding.
//!
//! Input: 1 flag byte (bit 0: STS token given, bit 1: V3 content type given), then text
//! fields separated by 0xFF: method, AccessKey ID, secret, [token], timestamp, nonce, host,
//! action, version, canonical URI, [content type], body, then name, value, name, value, ...
//! (the parameters of V1 and the query of V3; an odd last name gets an empty value). Missing
//! fields are empty.
//!
//! - V1: the common parameters replace given ones and `Signature` is dropped; the parameters
//!   come out sorted by name (stable); the canonicalized query string, string-to-sign and
//!   signature equal those rebuilt stage by stage (the fused encoder against the plain one);
//!   the signature verifies; `RpcSigner::sign` and `RpcSigner::sign_form` agree; the form body decodes back to the parameters
//!   plus `Signature`; the string-to-sign decodes back to the canonicalized query string;
//! - V3: headers sorted with `authorization` last; every stage equals the one rebuilt with the
//!   public stage functions; the signature verifies (either hex case);
//! - encoding: for every field, `percent_decode(percent_encode(s)) == s`, `encoded_len` is
//!   exact, `percent_encode_into` appends the same, the output agrees with the
//!   `percent-encoding` crate and `ALIYUN_ENCODE_SET`, and `percent_decode` of the raw field
//!   never panics (and is the identity on text without `%`).

use crate::{decode_form, fields};
use aliyun_sign::encode::{
    ALIYUN_ENCODE_SET, encoded_len, percent_decode, percent_encode, percent_encode_into,
};
use aliyun_sign::{Credentials, rpc, v3};

const REPLACED: [&str; 6] = [
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
];

fn check_encoding(s: &str) {
    let encoded = percent_encode(s);
    assert_eq!(encoded_len(s), encoded.len(), "{s:?}");
    assert_eq!(
        encoded,
        percent_encoding::utf8_percent_encode(s, ALIYUN_ENCODE_SET).to_string(),
        "{s:?}"
    );
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~%ABCDEF".contains(&b)),
        "{encoded:?}"
    );
    let mut appended = String::from("x&");
    percent_encode_into(s, &mut appended);
    assert_eq!(&appended[2..], encoded);
    assert_eq!(percent_decode(&encoded).as_deref(), Ok(s), "{s:?}");
    match percent_decode(s) {
        Ok(decoded) if !s.contains('%') => assert_eq!(decoded, s),
        _ => {}
    }
}

/// Checks one input; panics on a failed check.
pub fn run(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let fields: Vec<String> = fields(rest).into_iter().map(String::from).collect();
    let mut it = fields.iter().map(String::as_str);
    let mut next = || it.next().unwrap_or("");
    let method = next();
    let id = next();
    let secret = next();
    let token = (flags & 1 != 0).then(&mut next);
    let timestamp = next();
    let nonce = next();
    let host = next();
    let action = next();
    let version = next();
    let uri = next();
    let content_type = (flags & 2 != 0).then(&mut next);
    let body = next();
    let rest: Vec<&str> = it.collect();
    let params: Vec<(&str, &str)> = rest
        .chunks(2)
        .map(|pair| (pair[0], pair.get(1).copied().unwrap_or("")))
        .collect();

    for field in &fields {
        check_encoding(field);
    }

    let mut credentials = Credentials::new(id, secret);
    if let Some(token) = token {
        credentials = credentials.with_security_token(token);
    }

    // V1.
    let signed = rpc::sign(method, &params, &credentials, timestamp, nonce);
    let replaced =
        |name: &str| REPLACED.contains(&name) || (token.is_some() && name == "SecurityToken");
    let mut expected: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| !replaced(name))
        .map(|&(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    expected.extend(
        [
            ("AccessKeyId", id),
            ("SignatureMethod", rpc::SIGNATURE_METHOD),
            ("SignatureVersion", rpc::SIGNATURE_VERSION),
            ("SignatureNonce", nonce),
            ("Timestamp", timestamp),
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned())),
    );
    if let Some(token) = token {
        expected.push(("SecurityToken".to_owned(), token.to_owned()));
    }
    expected.sort_by(|a, b| a.0.cmp(&b.0)); // stable, byte order
    assert_eq!(signed.params, expected, "V1 signed parameters");

    let cqs = rpc::canonicalized_query_string(&signed.params);
    assert_eq!(signed.canonicalized_query_string, cqs);
    let sts = rpc::string_to_sign(method, &cqs);
    assert_eq!(signed.string_to_sign, sts);
    assert_eq!(
        percent_decode(&sts[method.len() + "&%2F&".len()..]).as_deref(),
        Ok(cqs.as_str())
    );
    assert_eq!(signed.signature, rpc::signature(secret, &sts));
    assert!(rpc::verify_signature(secret, &sts, &signed.signature));
    let signer = rpc::RpcSigner::new(&credentials);
    assert_eq!(signer.sign(method, &params, timestamp, nonce), signed);
    assert_eq!(signer.signature(&sts), signed.signature);
    let form = signer.sign_form(method, &params, timestamp, nonce);
    assert_eq!(
        form.canonicalized_query_string,
        signed.canonicalized_query_string
    );
    assert_eq!(form.string_to_sign, signed.string_to_sign);
    assert_eq!(form.signature, signed.signature);
    assert_eq!(form.to_form_body(), signed.to_form_body());

    let mut decoded = decode_form(&signed.to_form_body());
    let last = decoded.pop().expect("a form body is never empty");
    assert_eq!(last, ("Signature".to_owned(), signed.signature.clone()));
    assert_eq!(decoded, signed.params, "V1 form body");
    assert_eq!(
        percent_decode(&signed.signature_percent_encoded()).as_deref(),
        Ok(signed.signature.as_str())
    );

    // V3.
    let request = v3::V3Request {
        method,
        host,
        canonical_uri: uri,
        action,
        version,
        query: &params,
        body: body.as_bytes(),
        content_type,
    };
    let signed = v3::sign(&request, &credentials, timestamp, nonce);
    let (authorization, headers) = signed.headers.split_last().expect("headers");
    assert_eq!(authorization.0, "authorization");
    assert_eq!(authorization.1, signed.authorization);
    assert!(
        headers.windows(2).all(|w| w[0].0 < w[1].0),
        "V3 headers sorted"
    );
    let hashed = v3::hashed_payload(body.as_bytes());
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("x-acs-content-sha256"), Some(hashed.as_str()));
    assert_eq!(header("x-acs-signature-nonce"), Some(nonce.trim()));
    assert_eq!(header("x-acs-security-token"), token.map(str::trim));
    assert_eq!(header("content-type"), content_type.map(str::trim));

    let cqs = v3::canonical_query_string(&params);
    assert_eq!(signed.canonical_query_string, cqs);
    let (canonical_headers, signed_headers) = v3::canonical_headers(headers);
    assert_eq!(signed.signed_headers, signed_headers);
    let canonical_request = v3::canonical_request(
        method,
        uri,
        &cqs,
        &canonical_headers,
        &signed_headers,
        &hashed,
    );
    assert_eq!(signed.canonical_request, canonical_request);
    let sts = v3::string_to_sign(&canonical_request);
    assert_eq!(signed.string_to_sign, sts);
    assert_eq!(signed.signature, v3::signature(secret, &sts));
    assert!(v3::verify_signature(secret, &sts, &signed.signature));
    assert!(v3::verify_signature(
        secret,
        &sts,
        &signed.signature.to_ascii_uppercase()
    ));
    assert_eq!(
        signed.authorization,
        v3::authorization(id, &signed_headers, &signed.signature)
    );

    // The header stage on arbitrary names and values (duplicates, case, white space).
    let (_, names) = v3::canonical_headers(&params);
    assert!(!names.bytes().any(|b| b.is_ascii_uppercase()), "{names:?}");
}
