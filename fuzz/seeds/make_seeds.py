#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target into fuzz/seeds/<target>/ (committed).

Realistic inputs from shared/reference (Logto's config, Aliyun's answers and error codes, the
published signature examples). Run from anywhere: python3 fuzz/seeds/make_seeds.py
"""
import json
import os
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SEP = b"\xff"


def write(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data)


def enc(s):
    return urllib.parse.quote(s, safe="-_.~")


# --- config_loader -------------------------------------------------------------------------
LOGTO = """{
  "accessKeyId": "LTAI...",
  "accessKeySecret": "...",
  "signName": "Logto",
  "templates": [
    { "usageType": "SignIn",   "templateCode": "SMS_123" },
    { "usageType": "Register", "templateCode": { "china": "SMS_456", "overseas": "SMS_789" } }
  ],
  "strictPhoneRegionNumberCheck": false
}"""
write("config_loader", "logto-reference", LOGTO)

full = {
    "accessKeyId": "testid",
    "accessKeySecret": "testsecret",
    "signName": "Logto",
    "templates": [
        {"usageType": "Register", "templateCode": "SMS_Register"},
        {"usageType": "SignIn", "templateCode": "SMS_SignIn"},
        {"usageType": "ForgotPassword", "templateCode": "SMS_ForgotPassword"},
        {"usageType": "Generic", "templateCode": "SMS_Generic"},
    ],
}
write("config_loader", "minimal-valid", json.dumps(full, indent=2))

everything = dict(full)
everything.update({
    "securityToken": "sts-token",
    "templates": [
        {"usageType": "Register", "templateCode": "SMS_Register", "type": 2},
        {"usageType": "SignIn", "templateCode": {"china": "SMS_CN_IN", "overseas": "SMS_INTL_IN"}, "type": 1},
        {"usageType": "ForgotPassword", "templateCode": "SMS_ForgotPassword", "type": 0},
        {"usageType": "Generic", "templateCode": {"china": "SMS_CN", "overseas": "SMS_INTL"}, "type": 7},
        {"usageType": "MfaVerification", "templateCode": "SMS_Mfa", "type": None},
        {"usageType": "OrganizationInvitation", "templateCode": "SMS_Org"},
        {"usageType": "UserPermissionValidation", "templateCode": "SMS_Perm"},
        {"usageType": "BindNewIdentifier", "templateCode": "SMS_Bind"},
        {"usageType": "BindMfa", "templateCode": "SMS_BindMfa", "type": 6},
    ],
    "strictPhoneRegionNumberCheck": True,
    "endpoint": "https://dysmsapi.ap-southeast-1.aliyuncs.com",
    "regionId": "ap-southeast-1",
    "signatureVersion": "v3",
    "connectTimeoutMs": 2000,
    "timeoutMs": 10000,
    "maxAttempts": 5,
})
write("config_loader", "every-setting", json.dumps(everything))

env = {k: v for k, v in full.items() if k not in ("accessKeyId", "accessKeySecret")}
env["endpoint"] = "http://127.0.0.1:8080"
write("config_loader", "credentials-from-env-loopback", json.dumps(env))

write("config_loader", "misspelt-and-empty",
      '{"accesKeyId": "x", "access_key_secret": " y ", "signName": "", "templates": [], '
      '"timeout": 5, "connectTimeoutMs": 90000, "timeoutMs": 1000.5, "maxAttempts": -1}')
write("config_loader", "duplicates-and-bad-types",
      json.dumps({**full, "templates": full["templates"] + [
          {"usageType": "SignIn", "templateCode": {"china": "A"}},
          {"usageType": "Login", "templateCode": 12, "type": 3},
          ["not", "an", "object"],
      ], "endpoint": "http://dysmsapi.aliyuncs.com/path?q#f", "regionId": "CN_Hangzhou",
          "signatureVersion": "V2", "strictPhoneRegionNumberCheck": "yes",
          "securityToken": 42}))
write("config_loader", "credential-alphabets",
      json.dumps({**full, "accessKeyId": "STS.NT9x:y", "securityToken": "CAIS,abc\u00e9\nxyz",
                  "accessKeySecret": "s\u00e9cret\u0001"}))
write("config_loader", "not-json", '{"accessKeyId": "x",')
write("config_loader", "not-an-object", '["accessKeyId"]')

# Issue 17: what Logto accepts loads with warnings; hostile input stays bounded and clean.
logto_accepts = dict(full)
logto_accepts.update({
    "description": "production",
    "signName": "  Logto\n",
    "templates": full["templates"] + [
        {"usageType": "Test", "templateCode": "SMS_Test", "type": 2},
        {"usageType": "signIn", "templateCode": "SMS_9"},
        {"usageType": "SignIn", "templateCode": " SMS_Again "},
        {"usageType": "Generic\n", "templateCode": {"china": "A", "overseas": "B", "hk": "C"}},
        {"usageType": "", "templateCode": "", "name": "empty"},
    ],
})
logto_accepts["templates"][0] = {"usageType": "Register", "templateCode": "\tSMS_Register ", "note": 1}
write("config_loader", "logto-accepted-with-warnings", json.dumps(logto_accepts, indent=2))

body = json.dumps(full)[1:-1]
write("config_loader", "duplicate-credentials",
      '{"accessKeySecret": "first-secret-value", ' + body +
      ', "accessKeyId": "LTAI5tOther", "templates": [], "first-secret-value": 1}')
write("config_loader", "duplicate-elsewhere",
      '{"signName": "Old", "regionId": "cn-beijing", ' + body +
      ', "regionId": "ap-southeast-1", "maxAttempts": 2, "maxAttempts": 3}')
nested = json.dumps(full).replace('"templateCode": "SMS_SignIn"',
                                  '"templateCode": "SMS_SignIn", "templateCode": "SMS_Other", "usageType": "SignIn"', 1)
write("config_loader", "duplicate-in-a-template", nested)

canary = "CanarySecret7f3a9"
everywhere = dict(full)
everywhere.update({
    "accessKeySecret": canary,
    canary: {canary: canary},
    "signName": "Logto " + canary,
    "regionId": canary,
    "templates": full["templates"] + [
        {"usageType": canary, "templateCode": canary, canary: 1},
        {"usageType": "SignIn" + canary, "templateCode": "SMS_1"},
    ],
})
write("config_loader", "canary-secret-everywhere", json.dumps(everywhere))
write("config_loader", "secret-object-with-repeated-key",
      json.dumps(full).replace('"accessKeySecret": "testsecret"',
                               '"accessKeySecret": {"' + canary + '": 1, "' + canary + '": 2}', 1))

invisible = dict(full)
invisible.update({
    "sign\u200bName": "x",
    "\u0455ignName": "y",
    "signatureVersion": "v\u200b1",
    "templates": full["templates"] + [
        {"usageType": "Sign\u200bIn", "templateCode": "SMS_1"},
        {"usageType": "S\u0456gnIn", "templateCode": "SMS_1"},
        {"usageType": "\u202enIngiS", "templateCode": "SMS_1"},
        {"usageType": "Register\u0000", "templateCode": "SMS_1"},
        {"usageType": "Generic", "templateCode": "SMS\r\n_1"},
    ],
})
write("config_loader", "invisible-and-look-alike", json.dumps(invisible))
write("config_loader", "control-characters-in-sent-values",
      json.dumps({**full, "signName": "Log\u0000to", "endpoint": "https://dysms\napi.aliyuncs.com",
                  "accessKeySecret": "sec\u001bret", "accessKeyId": "LTAI\u200b5t"}))
write("config_loader", "whole-numbers-as-floats",
      json.dumps(full)[:-1] + ', "connectTimeoutMs": 1e3, "timeoutMs": 5000.0, "maxAttempts": 2.5}')
write("config_loader", "region-without-endpoint", json.dumps({**full, "regionId": "cn-hongkong"}))
write("config_loader", "byte-order-mark", "\ufeff" + json.dumps(full))
many = dict(full)
for i in range(3000):
    many["unknownKey%05d" % i] = i
write("config_loader", "many-unknown-keys", json.dumps(many))
write("config_loader", "deep-nesting", '{"templates": ' + "[" * 200 + "]" * 200 + "}")

# --- phone_parser ----------------------------------------------------------------------------
for i, number in enumerate([
    "+8613800138000", "008613800138000", "8613800138000", "13800138000",
    "+86 138 0013 8000", "138-0013-8000", " +1 (862) 401-7194 ", "852.6832.6366",
    "12345", "123456789012345", "4915112345678", "12125551234", "+13800138000",
    "861380013800", "", "+", "00", "- -", "1380013800a", "86+13800138000", "１３８",
    "1234", "1234567890123456", "+0123456789", "000123456789", "\u3000+86 138\t", "SignIn",
    "Generic", "BindMfa",
]):
    write("phone_parser", f"{i:02}", number)

# --- template_params -------------------------------------------------------------------------
# 4 control bytes (usage, phone, builder, flags), then 0xFF-separated fields.
def params(usage, phone, builder, flags, *fields):
    return bytes([usage, phone, builder, flags]) + SEP.join(f.encode() for f in fields)

write("template_params", "code", params(1, 0, 0, 0, "code", "123456"))
write("template_params", "code-v3-strict", params(1, 1, 3, 0, "code", "123456"))
write("template_params", "generic-console-test", params(3, 3, 2, 0, "code", "000000"))
write("template_params", "replace-and-reference",
      params(7, 4, 1, 1, "code", "123456", "product", 'Logto "Cloud"', "code", "654321", "order-42"))
write("template_params", "locale-and-reference",
      params(0, 5, 0, 3, "code", "123456", "zh-CN", "ref"))
write("template_params", "unicode-and-controls",
      params(4, 2, 2, 0, "短信", "验证码 123456", "", "", "a\nb", "\u0000\u001f\"\\/", "\u2028", "😀"))
write("template_params", "empty", bytes([3, 0, 0, 0]))

# --- response_classifier ---------------------------------------------------------------------
def answer(status, body, ours=None):
    data = status.to_bytes(2, "big") + body.encode()
    if ours is not None:
        data += SEP + ours.encode()
    return data

def j(**kw):
    return json.dumps(kw, ensure_ascii=False)

write("response_classifier", "ok", answer(200, j(Code="OK", BizId="1^0", RequestId="x", Message="OK")))
write("response_classifier", "ok-real", answer(200, j(Code="OK", Message="OK", BizId="900619746936498440",
                                                         RequestId="F655A8D5-B967-440B-8683-DAD6FF8DE990")))
codes = [
    (400, "Throttling.User", "Request was denied due to user flow control."),
    (429, "Throttling.Api", "Request was denied due to api flow control."),
    (400, "SignatureNonceUsed", "Specified signature nonce was used already."),
    (400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
    (404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
    (400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."),
    (403, "Forbidden.RAM", "User not authorized to operate on the specified resource."),
    (200, "isp.RAM_PERMISSION_DENY", "RAM权限DENY"),
    (200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
    (200, "isv.DAY_LIMIT_CONTROL", "触发天级流控Permits:10"),
    (200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
    (200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"),
    (200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"),
    (200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"),
    (200, "isv.AMOUNT_NOT_ENOUGH", "账户余额不足"),
    (200, "isv.DENY_IP_RANGE", "源IP地址所在的地区被禁用"),
    (500, "isp.SYSTEM_ERROR", "系统错误"),
    (500, "InternalError", "The request processing has failed due to some unknown error."),
    (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    (400, "SomethingNew", "A code nobody knows"),
]
for status, code, message in codes:
    write("response_classifier", code, answer(status, j(Code=code, Message=message, RequestId="A1")))

ours_params = [
    ("AccessKeyId", "testid"), ("Action", "SendSms"), ("Format", "json"), ("PhoneNumbers", "8613800138000"),
    ("RegionId", "cn-hangzhou"), ("SignName", "Logto"), ("SignatureMethod", "HMAC-SHA1"),
    ("SignatureNonce", "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c"), ("SignatureVersion", "1.0"),
    ("TemplateCode", "SMS_SignIn"), ("TemplateParam", '{"code":"123456"}'),
    ("Timestamp", "2024-05-01T08:09:10Z"), ("Version", "2017-05-25"),
]
def sts(params, method="POST"):
    cqs = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params))
    return f"{method}&%2F&{enc(cqs)}"
ours = sts(ours_params)
theirs = sts([(k, "SMS_Other" if k == "TemplateCode" else v) for k, v in ours_params] + [("Via", "proxy")])
mismatch = "Specified signature is not matched with our calculation. server string to sign is:"
write("response_classifier", "signature-same", answer(400, j(Code="SignatureDoesNotMatch", Message=mismatch + ours, RequestId="B2"), ours))
write("response_classifier", "signature-changed", answer(400, j(Code="SignatureDoesNotMatch", Message=mismatch + theirs, RequestId="B3"), ours))
write("response_classifier", "signature-v3", answer(400, j(Code="IncompleteSignature", Message=mismatch + "ACS3-HMAC-SHA256\nabc"), "ACS3-HMAC-SHA256\ndef"))
write("response_classifier", "signature-no-marker", answer(400, j(Code="SignatureDoesNotMatch", Message="Specified signature is not matched.")))
write("response_classifier", "echoes-secret", answer(400, j(Code="isv.INVALID_PARAMETERS",
      Message="bad AccessKeySecret Kx9SecretCanary42 / Kx9SecretCanary42%26 token Kx9TokenCanary77", RequestId="C4")))
write("response_classifier", "bad-gateway-html", answer(502, "<html>Bad Gateway</html>"))
write("response_classifier", "empty-200", answer(200, ""))
write("response_classifier", "whitespace-200", answer(200, " \n\t "))
write("response_classifier", "array", answer(200, '[{"Code":"OK"}]'))
write("response_classifier", "no-code", answer(200, j(Message="OK", RequestId="x")))
write("response_classifier", "null-code", answer(500, '{"Code":null,"BizId":1}'))
write("response_classifier", "duplicate-code", answer(200, '{"Code":"OK","Code":"Throttling.User"}'))
write("response_classifier", "escaped-ok", answer(200, '{"Code":"\\u004fK","BizId":"\\u77ed"}'))

# --- signer ----------------------------------------------------------------------------------
# flag byte (bit 0: token, bit 1: content type), then fields: method, id, secret, [token],
# timestamp, nonce, host, action, version, uri, [content type], body, name, value, ...
def signer(flags, method, id, secret, token, ts, nonce, host, action, version, uri, ctype, body, pairs):
    fields = [method, id, secret] + ([token] if flags & 1 else []) + [ts, nonce, host, action, version, uri]
    fields += ([ctype] if flags & 2 else []) + [body]
    for k, v in pairs:
        fields += [k, v]
    return bytes([flags]) + SEP.join(f.encode() for f in fields)

sms = [("Action", "SendSms"), ("Version", "2017-05-25"), ("Format", "XML"), ("RegionId", "cn-hangzhou"),
       ("PhoneNumbers", "15300000001"), ("SignName", "阿里云短信测试专用"), ("TemplateCode", "SMS_71390007"),
       ("TemplateParam", '{"customer":"test"}'), ("OutId", "123")]
write("signer", "sendsms-published", signer(0, "GET", "testId", "testSecret", None, "2017-07-12T02:42:19Z",
      "45e25e9b-0a6f-4070-8c85-2956eda1b466", "dysmsapi.aliyuncs.com", "SendSms", "2017-05-25", "/", None, "", sms))
write("signer", "describe-regions", signer(0, "GET", "testid", "testsecret", None, "2016-02-23T12:46:24Z",
      "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "ecs.aliyuncs.com", "DescribeRegions", "2014-05-26", "/", None, "",
      [("Action", "DescribeRegions"), ("Format", "XML"), ("Version", "2014-05-26")]))
write("signer", "run-instances-v3", signer(0, "POST", "YourAccessKeyId", "YourAccessKeySecret", None,
      "2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d", "ecs.cn-shanghai.aliyuncs.com", "RunInstances",
      "2014-05-26", "/", None, "", [("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
                                   ("RegionId", "cn-shanghai")]))
body = "PhoneNumbers=8613800138000&SignName=Logto&TemplateCode=SMS_SignIn&TemplateParam=%7B%22code%22%3A%22123456%22%7D"
write("signer", "sendsms-v3-sts-form", signer(3, "POST", "STS.testid", "testsecret", "sts-token",
      "2024-05-01T08:09:10Z", "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c", "dysmsapi.aliyuncs.com", "SendSms",
      "2017-05-25", "/", "application/x-www-form-urlencoded", body,
      [("Signature", "forged"), ("Timestamp", "overridden"), ("SecurityToken", "x"), ("A", "1"), ("A", "0"),
       ("a b", "%2F+*~"), ("", ""), ("中", "=&")]))
write("signer", "empty", b"\x00")
