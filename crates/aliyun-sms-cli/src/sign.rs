//! `aliyun-sms sign`: every stage of an RPC V1 signature.

use aliyun_sign::{Credentials, rpc};
use clap::Args;
use serde_json::json;

use crate::output::{EXIT_BAD_INPUT, EXIT_OK, report_failure};

#[derive(Args)]
pub struct SignArgs {
    /// A parameter as NAME=VALUE (repeat it). Give the action's parameters, or every parameter
    /// of a captured request (then leave out --access-key-id, --timestamp and --nonce).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The AccessKey secret. Read from ALIBABA_CLOUD_ACCESS_KEY_SECRET when absent.
    #[arg(long, env = "ALIBABA_CLOUD_ACCESS_KEY_SECRET", hide_env_values = true)]
    secret: String,
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
            let mut credentials = Credentials::new(id.as_str(), args.secret.as_str());
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
            let signature = rpc::signature(&args.secret, &string_to_sign);
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
