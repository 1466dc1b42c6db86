// The dashboard's request signer (ui/acs3.js, WebCrypto) against API.md §2.6's vectors, captured
// from the official client: it must produce the same canonical request and signature, byte for
// byte. Also its media URL signature against the C one (tests/unit/api/test_media_url.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signAcs3, mediaUrl, parseOss, enc } from '../../ui/acs3.js';

const common = {
  host: '127.0.0.1:18080', keyId: 'testid', secret: 'testsecret', date: '2025-01-02T03:04:05Z',
  signatureNonce: '3f1a9c0e5b7d2468ace013579bdf2468',
  extraHeaders: { 'x-acs-credentials-provider': 'static_ak' },
};

test('vector A: GetSmartHandleJob, query only', async () => {
  const s = await signAcs3({ ...common, action: 'GetSmartHandleJob', query: [['JobId', 'job-abc']] });
  assert.equal(s.canonicalRequest, ['POST', '/', 'JobId=job-abc', 'host:127.0.0.1:18080',
    'x-acs-action:GetSmartHandleJob',
    'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-acs-credentials-provider:static_ak', 'x-acs-date:2025-01-02T03:04:05Z',
    'x-acs-signature-nonce:3f1a9c0e5b7d2468ace013579bdf2468', 'x-acs-version:2020-11-09', '',
    'host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'].join('\n'));
  assert.equal(s.stringToSign,
    'ACS3-HMAC-SHA256\n2c053100a8232bcfc0e6f11ff7f00a3d9c2d6a71cd6aca3896e644a40e3d6edc');
  assert.equal(s.signature, 'ba680754838239a499f318afd976a53bd547fc889090923e9e5edbfe81397f29');
});

test('vector B: SubmitSegmentationJob, query + form body, UTF-8 and reserved characters', async () => {
  const s = await signAcs3({
    ...common, action: 'SubmitSegmentationJob',
    query: [['ClientToken', 'tok-123'], ['JobParams', '{"MinTime":5,"MaxTime":30}'],
      ['OutputConfig', '{"MediaURL":"http://bucket.oss-cn-shanghai.aliyuncs.com/out/{index}.mp4"}'],
      ['UserData', '{"k":"v!*\'()~ ä+"}']],
    body: 'InputConfig=' + enc('{"Type":"OSS","Media":"oss://bucket/in put.mp4"}'),
  });
  assert.equal(s.headers['x-acs-content-sha256'],
    '505a1cd9227f01919c46e3a77ae2d8827a42411789bf1dae2d0b9a52b1b5c1a0');
  assert.equal(s.query, 'ClientToken=tok-123&JobParams=%7B%22MinTime%22%3A5%2C%22MaxTime%22%3A30%7D&OutputConfig=%7B%22MediaURL%22%3A%22http%3A%2F%2Fbucket.oss-cn-shanghai.aliyuncs.com%2Fout%2F%7Bindex%7D.mp4%22%7D&UserData=%7B%22k%22%3A%22v%21%2A%27%28%29~%20%C3%A4%2B%22%7D');
  assert.equal(s.stringToSign,
    'ACS3-HMAC-SHA256\n2eb531c822ccdb9fe77c7fc93de01b3a886328c6e07abbcd648b1712227a87c4');
  assert.equal(s.signature, '4a4403b9e6296cb5cf8a01c216d34eebedc23892ea1aa2d337cb0daffaa17832');
  assert.match(s.headers.authorization, /^ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=content-type;host;x-acs-action;/);
});

test('media URL: the same signature as the C signer, key encoded per name', async () => {
  const url = await mediaUrl({ bucket: 'media-out', key: 'clips/a b/ä+1.mp4', keyId: 'LTRCkey',
    secret: 'testsecret', ttl: 1767225600 - 1767220000, now: 1767220000 * 1000 });
  assert.equal(url, '/media/media-out/clips/a%20b/%C3%A4%2B1.mp4?Expires=1767225600&AccessKeyId=LTRCkey&Signature=d7c5ba770c0d8604c7b0cdef46b8cc19a68f27d0d7b43adb24ba3107a98ab0d8');
  assert.deepEqual(parseOss('oss://media-out/a/b.mp4'), { bucket: 'media-out', key: 'a/b.mp4' });
  assert.deepEqual(parseOss('https://media-in.oss-cn-shanghai.aliyuncs.com/x%20y.mp4?z=1'),
    { bucket: 'media-in', key: 'x y.mp4' });
  assert.equal(parseOss('https://example.com/a.mp4'), null);
});
