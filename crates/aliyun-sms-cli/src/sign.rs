//! `aliyun-sms sign`: every stage of an Aliyun RPC V1 signature, or with `sign tc3` of a
//! Tencent TC3-HMAC-SHA256 one.

use aliyun_sign::{Credentials, rpc};
use clap::{Args, Subcommand};
use serde_json::json;
use tencent_sign::tc3::{self, Tc3Request};
use tencent_sign::{Credentials as TencentCredentials, Timestamp};

use crate::output::{EXIT_BAD_INPUT, EXIT_OK, report_failure};

/// The `sign` command's arguments: V1's, or the `tc3` subcommand (the command's settings in
/// main.rs let the subcommand stand without V1's required ones).
#[derive(Args)]
pub struct SignArgs {
    #[command(subcommand)]
    scheme: Option<Scheme>,
    #[command(flatten)]
    v1: V1Args,
}

#[derive(Subcommand)]
enum Scheme {
    /// Every stage of a Tencent Cloud TC3-HMAC-SHA256 signature (API 3.0, e.g. SMS SendSms),
    /// to debug AuthFailure.SignatureFailure: compare each stage with your client's.
    Tc3(Tc3Args),
}

/// An Aliyun RPC V1 signature (the default of `sign`).
#[derive(Args)]
struct V1Args {
    /// A parameter as NAME=VALUE (repeat it). Give the action's parameters, or every parameter
    /// of a captured request (then leave out --access-key-id, --timestamp and --nonce).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The AccessKey secret. Read from ALIBABA_CLOUD_ACCESS_KEY_SECRET when absent.
    #[arg(long, env = "ALIBABA_CLOUD_ACCESS_KEY_SECRET", hide_env_values = true)]
    // An Option that parsing requires: `sign tc3` leaves it out.
    #[arg(required = true)]
    secret: Option<String>,
    /// The HTTP method the request is sent with.
    #[arg(long, default_value = "POST")]
    method: String,
    /// Adds the common parameters (AccessKeyId, SignatureMethod, SignatureVersion,
    /// SignatureNonce, Timestamp) for this key; needs --timestamp and --nonce.
    #[arg(long, requires_all = ["timestamp", "nonce"])]
    access_key_id: Option<String>,
    /// The STS security token, signed as SecurityToken (with --access-key-id).
    #[arg(long, requires = "access_key_id")]
    security_token: Option<String>,
    /// The Timestamp, as yyyy-MM-ddTHH:mm:ssZ (UTC).
    #[arg(long)]
    timestamp: Option<String>,
    /// The SignatureNonce.
    #[arg(long)]
    nonce: Option<String>,
}

pub fn run(args: &SignArgs, json: bool) -> u8 {
    match &args.scheme {
        Some(Scheme::Tc3(tc3)) => run_tc3(tc3, json),
        None => run_v1(&args.v1, json),
    }
}

fn run_v1(args: &V1Args, json: bool) -> u8 {
    let secret = args.secret.as_deref().unwrap_or_default();
    let mut params = Vec::with_capacity(args.params.len());
    for param in &args.params {
        match param.split_once('=') {
            Some((name, value)) if !name.is_empty() => params.push((name, value)),
            _ => {
                let message = format!("--param {param:?} is not NAME=VALUE");
                return report_failure(&message, json, EXIT_BAD_INPUT);
            }
        }
    }
    let method = args.method.to_ascii_uppercase();
    let (canonical, string_to_sign, signature, body) = match &args.access_key_id {
        Some(id) => {
            let mut credentials = Credentials::new(id.as_str(), secret);
            if let Some(token) = &args.security_token {
                credentials = credentials.with_security_token(token.as_str());
            }
            let timestamp = args.timestamp.as_deref().unwrap_or_default();
            let nonce = args.nonce.as_deref().unwrap_or_default();
            let signed = rpc::sign(&method, &params, &credentials, timestamp, nonce);
            let body = signed.to_form_body();
            (
                signed.canonicalized_query_string,
                signed.string_to_sign,
                signed.signature,
                body,
            )
        }
        None => {
            let canonical = rpc::canonicalized_query_string(&params);
            let string_to_sign = rpc::string_to_sign(&method, &canonical);
            let signature = rpc::signature(secret, &string_to_sign);
            let body = format!(
                "{canonical}&Signature={}",
                aliyun_sign::encode::percent_encode(&signature)
            );
            (canonical, string_to_sign, signature, body)
        }
    };
    if json {
        println!(
            "{}",
            json!({
                "canonicalizedQueryString": canonical,
                "stringToSign": string_to_sign,
                "signature": signature,
                "signedQueryString": body,
            })
        );
    } else {
        println!("canonicalized query string:\n  {canonical}\n");
        println!("string to sign:\n  {string_to_sign}\n");
        println!("signature (HMAC-SHA1 with key = secret + \"&\", Base64):\n  {signature}\n");
        println!("signed query string / form body:\n  {body}");
    }
    EXIT_OK
}

#[derive(Args)]
struct Tc3Args {
    /// The SecretId. Read from TENCENTCLOUD_SECRET_ID when absent.
    #[arg(long, env = "TENCENTCLOUD_SECRET_ID")]
    secret_id: String,
    /// The SecretKey (never printed). Read from TENCENTCLOUD_SECRET_KEY when absent.
    #[arg(long, env = "TENCENTCLOUD_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// X-TC-Timestamp: Unix seconds. The credential scope takes its UTC date.
    #[arg(long)]
    timestamp: String,
    /// The request body, exactly as sent (the bytes are hashed), e.g.
    /// '{"PhoneNumberSet":["+8613800138000"],...}'.
    #[arg(long, default_value = "")]
    body: String,
    /// The Host header, as sent (and signed).
    #[arg(long, default_value = "sms.tencentcloudapi.com")]
    host: String,
    /// The Content-Type header, as sent (and signed), `; charset=utf-8` included if sent.
    #[arg(long, default_value = "application/json")]
    content_type: String,
    /// The service: the first label of the API host (`sms`).
    #[arg(long, default_value = "sms")]
    service: String,
    /// X-TC-Action (shown among the headers to send).
    #[arg(long, default_value = "SendSms")]
    action: String,
    /// Sign X-TC-Action too (content-type;host;x-tc-action, as Tencent's signing demo does);
    /// Tencent's SDKs and Logto sign content-type;host only.
    #[arg(long)]
    sign_action: bool,
    /// X-TC-Version (shown among the headers to send).
    #[arg(long, default_value = "2021-01-11")]
    api_version: String,
    /// X-TC-Region (shown among the headers to send).
    #[arg(long, default_value = "ap-guangzhou")]
    region: String,
    /// Temporary credentials' token: sent unsigned as X-TC-Token (never printed).
    #[arg(long)]
    token: Option<String>,
}

fn run_tc3(args: &Tc3Args, json: bool) -> u8 {
    let timestamp = match args.timestamp.trim().parse::<Timestamp>() {
        Ok(timestamp) => timestamp,
        Err(error) => {
            let message = format!(
                "--timestamp {:?} is not Unix seconds ({error})",
                args.timestamp
            );
            return report_failure(&message, json, EXIT_BAD_INPUT);
        }
    };
    let mut headers = vec![
        ("content-type", args.content_type.as_str()),
        ("host", args.host.as_str()),
    ];
    if args.sign_action {
        headers.push(("x-tc-action", args.action.as_str()));
    }
    let credentials = TencentCredentials::new(args.secret_id.as_str(), args.secret_key.as_str());
    let request = Tc3Request::post(&headers, args.body.as_bytes());
    let signed = tc3::sign(&request, &credentials, &args.service, timestamp);
    let mut send = vec![
        ("Authorization", signed.authorization.clone()),
        ("Content-Type", args.content_type.clone()),
        ("Host", args.host.clone()),
        ("X-TC-Action", args.action.clone()),
        ("X-TC-Timestamp", timestamp.to_string()),
        ("X-TC-Version", args.api_version.clone()),
        ("X-TC-Region", args.region.clone()),
    ];
    if args.token.is_some() {
        send.push((
            "X-TC-Token",
            "(your token, not shown; it is not signed)".into(),
        ));
    }
    if json {
        let headers: serde_json::Map<String, serde_json::Value> = send
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone().into()))
            .collect();
        println!(
            "{}",
            json!({
                "hashedPayload": signed.hashed_payload,
                "canonicalHeaders": signed.canonical_headers,
                "signedHeaders": signed.signed_headers,
                "canonicalRequest": signed.canonical_request,
                "hashedCanonicalRequest": signed.hashed_canonical_request,
                "credentialScope": signed.credential_scope,
                "stringToSign": signed.string_to_sign,
                "signature": signed.signature,
                "authorization": signed.authorization,
                "headers": headers,
            })
        );
        return EXIT_OK;
    }
    let date = timestamp.date();
    let stages = [
        (
            "hashed payload (SHA-256 of the body, hex)",
            signed.hashed_payload.as_str(),
        ),
        ("canonical request", signed.canonical_request.as_str()),
        (
            "hashed canonical request (SHA-256, hex)",
            signed.hashed_canonical_request.as_str(),
        ),
        (
            "credential scope (the timestamp's UTC date)",
            signed.credential_scope.as_str(),
        ),
        ("string to sign", signed.string_to_sign.as_str()),
    ];
    for (title, value) in stages {
        println!("{title}:\n{}\n", indented(value));
    }
    println!(
        "signature (HMAC-SHA256 with the key derived from \"TC3\" + SecretKey, then {date}, \
         then {}, then tc3_request; hex):\n  {}\n",
        args.service, signed.signature
    );
    println!("Authorization:\n  {}\n", signed.authorization);
    println!("headers to send:");
    for (name, value) in send {
        println!("  {name}: {value}");
    }
    EXIT_OK
}

/// Each line of `text` indented by two spaces (empty lines kept, as the canonical request has
/// one).
fn indented(text: &str) -> String {
    text.split('\n')
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
