//! Alibaba Cloud request signatures as pure functions: RPC V1 (`HMAC-SHA1`, [`rpc`]) and V3
//! (`ACS3-HMAC-SHA256`, [`v3`]).
//!
//! Parameters, [`Credentials`], a timestamp and a nonce go in; the canonical string, the string
//! to sign and the signature come out. No I/O, no clock, no randomness: the caller passes the
//! time (UTC, `yyyy-MM-ddTHH:mm:ssZ`) and a fresh nonce (a UUID) for every request, so every
//! result is reproducible.
//!
//! # V1 (RPC), as SendSms takes it
//!
//! ```
//! use aliyun_sign::{Credentials, rpc};
//!
//! let credentials = Credentials::new("testId", "testSecret");
//! let params = [
//!     ("Action", "SendSms"),
//!     ("Version", "2017-05-25"),
//!     ("Format", "XML"),
//!     ("RegionId", "cn-hangzhou"),
//!     ("PhoneNumbers", "15300000001"),
//!     ("SignName", "阿里云短信测试专用"),
//!     ("TemplateCode", "SMS_71390007"),
//!     ("TemplateParam", r#"{"customer":"test"}"#),
//!     ("OutId", "123"),
//! ];
//! // Adds AccessKeyId, SignatureMethod, SignatureVersion, SignatureNonce and Timestamp.
//! let signed = rpc::sign(
//!     "GET",
//!     &params,
//!     &credentials,
//!     "2017-07-12T02:42:19Z",
//!     "45e25e9b-0a6f-4070-8c85-2956eda1b466",
//! );
//! assert!(signed.string_to_sign.starts_with("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms"));
//! assert_eq!(signed.signature, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
//! // The query string (GET) or form body (POST) to send:
//! let body = signed.to_form_body();
//! assert!(body.ends_with("&Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D"));
//!
//! // The same, stage by stage, as a verifier would rebuild it from the received parameters:
//! let cqs = rpc::canonicalized_query_string(&signed.params);
//! let string_to_sign = rpc::string_to_sign("GET", &cqs);
//! assert_eq!(rpc::signature("testSecret", &string_to_sign), signed.signature);
//!
//! // Many requests with one key: key the HMAC once.
//! let signer = rpc::RpcSigner::new(&credentials);
//! let again = signer.sign("GET", &params, "2017-07-12T02:42:19Z", "45e25e9b-0a6f-4070-8c85-2956eda1b466");
//! assert_eq!(again, signed);
//! ```
//!
//! # V3 (`ACS3-HMAC-SHA256`)
//!
//! ```
//! use aliyun_sign::{Credentials, v3};
//!
//! let credentials = Credentials::new("YourAccessKeyId", "YourAccessKeySecret");
//! let request = v3::V3Request {
//!     method: "POST",
//!     host: "ecs.cn-shanghai.aliyuncs.com",
//!     canonical_uri: "/",
//!     action: "RunInstances",
//!     version: "2014-05-26",
//!     query: &[
//!         ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
//!         ("RegionId", "cn-shanghai"),
//!     ],
//!     body: b"",
//!     content_type: None,
//! };
//! let signed = v3::sign(&request, &credentials, "2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d");
//! assert_eq!(
//!     signed.signature,
//!     "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
//! );
//! // Send these headers (host, x-acs-*, authorization) with `?` + the canonical query string.
//! let (name, value) = signed.headers.last().unwrap();
//! assert_eq!(name, "authorization");
//! assert!(value.starts_with("ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod credentials;
pub mod encode;
pub mod rpc;
pub mod v3;

pub use credentials::Credentials;
