/* vectors: the four wire captures of API.md §2.6 with their expected canonical forms (extracted
 * verbatim). For the RPC vectors C and D, _CANONICAL is the "Canonicalized" parameter string of
 * §2.3. */
#ifndef REELCUT_TEST_API_VECTORS_H
#define REELCUT_TEST_API_VECTORS_H

static const char VECTOR_A_WIRE[] =
    "POST /?JobId=job-abc HTTP/1.1\r\n"
    "host: 127.0.0.1:18080\r\n"
    "x-acs-version: 2020-11-09\r\n"
    "x-acs-action: GetSmartHandleJob\r\n"
    "user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2\r\n"
    "x-acs-date: 2025-01-02T03:04:05Z\r\n"
    "x-acs-signature-nonce: 3f1a9c0e5b7d2468ace013579bdf2468\r\n"
    "accept: application/json\r\n"
    "x-acs-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n"
    "x-acs-credentials-provider: static_ak\r\n"
    "Authorization: ACS3-HMAC-SHA256 "
    "Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-"
    "provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="
    "ba680754838239a499f318afd976a53bd547fc889090923e9e5edbfe81397f29\r\n"
    "Connection: keep-alive\r\n"
    "Content-Length: 0\r\n"
    "\r\n"
    "";
static const char VECTOR_A_CANONICAL[] =
    "POST\n"
    "/\n"
    "JobId=job-abc\n"
    "host:127.0.0.1:18080\n"
    "x-acs-action:GetSmartHandleJob\n"
    "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "x-acs-credentials-provider:static_ak\n"
    "x-acs-date:2025-01-02T03:04:05Z\n"
    "x-acs-signature-nonce:3f1a9c0e5b7d2468ace013579bdf2468\n"
    "x-acs-version:2020-11-09\n"
    "\n"
    "host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-"
    "nonce;x-acs-version\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char VECTOR_A_STRING_TO_SIGN[] =
    "ACS3-HMAC-SHA256\n"
    "2c053100a8232bcfc0e6f11ff7f00a3d9c2d6a71cd6aca3896e644a40e3d6edc";
static const char VECTOR_A_SIGNATURE[] =
    "ba680754838239a499f318afd976a53bd547fc889090923e9e5edbfe81397f29";

static const char VECTOR_B_WIRE[] =
    "POST "
    "/?ClientToken=tok-123&JobParams=%7B%22MinTime%22%3A5%2C%22MaxTime%22%3A30%7D&OutputConfig=%7B%"
    "22MediaURL%22%3A%22http%3A%2F%2Fbucket.oss-cn-shanghai.aliyuncs.com%2Fout%2F%7Bindex%7D.mp4%"
    "22%7D&UserData=%7B%22k%22%3A%22v!*%27()~%20%C3%A4%2B%22%7D HTTP/1.1\r\n"
    "host: 127.0.0.1:18080\r\n"
    "x-acs-version: 2020-11-09\r\n"
    "x-acs-action: SubmitSegmentationJob\r\n"
    "user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2\r\n"
    "x-acs-date: 2025-01-02T03:04:05Z\r\n"
    "x-acs-signature-nonce: 3f1a9c0e5b7d2468ace013579bdf2468\r\n"
    "accept: application/json\r\n"
    "content-type: application/x-www-form-urlencoded\r\n"
    "x-acs-content-sha256: 505a1cd9227f01919c46e3a77ae2d8827a42411789bf1dae2d0b9a52b1b5c1a0\r\n"
    "x-acs-credentials-provider: static_ak\r\n"
    "Authorization: ACS3-HMAC-SHA256 "
    "Credential=testid,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-"
    "credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="
    "4a4403b9e6296cb5cf8a01c216d34eebedc23892ea1aa2d337cb0daffaa17832\r\n"
    "Connection: keep-alive\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "60\r\n"
    "InputConfig=%7B%22Type%22%3A%22OSS%22%2C%22Media%22%3A%22oss%3A%2F%2Fbucket%2Fin%20put.mp4%22%"
    "7D\r\n"
    "0\r\n"
    "\r\n"
    "";
static const char VECTOR_B_CANONICAL[] =
    "POST\n"
    "/\n"
    "ClientToken=tok-123&JobParams=%7B%22MinTime%22%3A5%2C%22MaxTime%22%3A30%7D&OutputConfig=%7B%"
    "22MediaURL%22%3A%22http%3A%2F%2Fbucket.oss-cn-shanghai.aliyuncs.com%2Fout%2F%7Bindex%7D.mp4%"
    "22%7D&UserData=%7B%22k%22%3A%22v%21%2A%27%28%29~%20%C3%A4%2B%22%7D\n"
    "content-type:application/x-www-form-urlencoded\n"
    "host:127.0.0.1:18080\n"
    "x-acs-action:SubmitSegmentationJob\n"
    "x-acs-content-sha256:505a1cd9227f01919c46e3a77ae2d8827a42411789bf1dae2d0b9a52b1b5c1a0\n"
    "x-acs-credentials-provider:static_ak\n"
    "x-acs-date:2025-01-02T03:04:05Z\n"
    "x-acs-signature-nonce:3f1a9c0e5b7d2468ace013579bdf2468\n"
    "x-acs-version:2020-11-09\n"
    "\n"
    "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-"
    "acs-signature-nonce;x-acs-version\n"
    "505a1cd9227f01919c46e3a77ae2d8827a42411789bf1dae2d0b9a52b1b5c1a0";
static const char VECTOR_B_STRING_TO_SIGN[] =
    "ACS3-HMAC-SHA256\n"
    "2eb531c822ccdb9fe77c7fc93de01b3a886328c6e07abbcd648b1712227a87c4";
static const char VECTOR_B_SIGNATURE[] =
    "4a4403b9e6296cb5cf8a01c216d34eebedc23892ea1aa2d337cb0daffaa17832";

static const char VECTOR_C_WIRE[] =
    "POST "
    "/?Action=GetSmartHandleJob&Format=json&Version=2020-11-09&Timestamp=2025-01-02T03%3A04%3A05Z&"
    "SignatureNonce=3f1a9c0e5b7d2468ace013579bdf2468&JobId=job-abc&SignatureMethod=HMAC-SHA1&"
    "SignatureVersion=1.0&AccessKeyId=testid&Signature=XmYXBlq1Q8zgi%2BuW5Pq%2FKJR9c7I%3D "
    "HTTP/1.1\r\n"
    "host: 127.0.0.1:18080\r\n"
    "x-acs-version: 2020-11-09\r\n"
    "x-acs-action: GetSmartHandleJob\r\n"
    "user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2\r\n"
    "x-acs-credentials-provider: static_ak\r\n"
    "Connection: keep-alive\r\n"
    "Content-Length: 0\r\n"
    "\r\n"
    "";
static const char VECTOR_C_CANONICAL[] =
    "AccessKeyId=testid&Action=GetSmartHandleJob&Format=json&JobId=job-abc&SignatureMethod=HMAC-"
    "SHA1&SignatureNonce=3f1a9c0e5b7d2468ace013579bdf2468&SignatureVersion=1.0&Timestamp=2025-01-"
    "02T03%3A04%3A05Z&Version=2020-11-09";
static const char VECTOR_C_STRING_TO_SIGN[] =
    "POST&%2F&AccessKeyId%3Dtestid%26Action%3DGetSmartHandleJob%26Format%3Djson%26JobId%3Djob-abc%"
    "26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3f1a9c0e5b7d2468ace013579bdf2468%"
    "26SignatureVersion%3D1.0%26Timestamp%3D2025-01-02T03%253A04%253A05Z%26Version%3D2020-11-09";
static const char VECTOR_C_SIGNATURE[] = "XmYXBlq1Q8zgi+uW5Pq/KJR9c7I=";

static const char VECTOR_D_WIRE[] =
    "POST "
    "/?Action=SubmitSegmentationJob&Format=json&Version=2020-11-09&Timestamp=2025-01-02T03%3A04%"
    "3A05Z&SignatureNonce=3f1a9c0e5b7d2468ace013579bdf2468&ClientToken=tok-123&JobParams=%7B%"
    "22MinTime%22%3A5%2C%22MaxTime%22%3A30%7D&OutputConfig=%7B%22MediaURL%22%3A%22http%3A%2F%"
    "2Fbucket.oss-cn-shanghai.aliyuncs.com%2Fout%2F%7Bindex%7D.mp4%22%7D&UserData=%7B%22k%22%3A%"
    "22v!*%27()~%20%C3%A4%2B%22%7D&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId="
    "testid&Signature=bovacvALo%2FXGvECpxwuUygjyHpY%3D HTTP/1.1\r\n"
    "host: 127.0.0.1:18080\r\n"
    "x-acs-version: 2020-11-09\r\n"
    "x-acs-action: SubmitSegmentationJob\r\n"
    "user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2\r\n"
    "content-type: application/x-www-form-urlencoded\r\n"
    "x-acs-credentials-provider: static_ak\r\n"
    "Connection: keep-alive\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "60\r\n"
    "InputConfig=%7B%22Type%22%3A%22OSS%22%2C%22Media%22%3A%22oss%3A%2F%2Fbucket%2Fin%20put.mp4%22%"
    "7D\r\n"
    "0\r\n"
    "\r\n"
    "";
static const char VECTOR_D_CANONICAL[] =
    "AccessKeyId=testid&Action=SubmitSegmentationJob&ClientToken=tok-123&Format=json&InputConfig=%"
    "7B%22Type%22%3A%22OSS%22%2C%22Media%22%3A%22oss%3A%2F%2Fbucket%2Fin%20put.mp4%22%7D&JobParams="
    "%7B%22MinTime%22%3A5%2C%22MaxTime%22%3A30%7D&OutputConfig=%7B%22MediaURL%22%3A%22http%3A%2F%"
    "2Fbucket.oss-cn-shanghai.aliyuncs.com%2Fout%2F%7Bindex%7D.mp4%22%7D&SignatureMethod=HMAC-SHA1&"
    "SignatureNonce=3f1a9c0e5b7d2468ace013579bdf2468&SignatureVersion=1.0&Timestamp=2025-01-02T03%"
    "3A04%3A05Z&UserData=%7B%22k%22%3A%22v%21%2A%27%28%29~%20%C3%A4%2B%22%7D&Version=2020-11-09";
static const char VECTOR_D_STRING_TO_SIGN[] =
    "POST&%2F&AccessKeyId%3Dtestid%26Action%3DSubmitSegmentationJob%26ClientToken%3Dtok-123%"
    "26Format%3Djson%26InputConfig%3D%257B%2522Type%2522%253A%2522OSS%2522%252C%2522Media%2522%"
    "253A%2522oss%253A%252F%252Fbucket%252Fin%2520put.mp4%2522%257D%26JobParams%3D%257B%"
    "2522MinTime%2522%253A5%252C%2522MaxTime%2522%253A30%257D%26OutputConfig%3D%257B%2522MediaURL%"
    "2522%253A%2522http%253A%252F%252Fbucket.oss-cn-shanghai.aliyuncs.com%252Fout%252F%257Bindex%"
    "257D.mp4%2522%257D%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%"
    "3D3f1a9c0e5b7d2468ace013579bdf2468%26SignatureVersion%3D1.0%26Timestamp%3D2025-01-02T03%"
    "253A04%253A05Z%26UserData%3D%257B%2522k%2522%253A%2522v%2521%252A%2527%2528%2529~%2520%25C3%"
    "25A4%252B%2522%257D%26Version%3D2020-11-09";
static const char VECTOR_D_SIGNATURE[] = "bovacvALo/XGvECpxwuUygjyHpY=";

#endif
