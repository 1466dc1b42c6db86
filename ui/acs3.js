// acs3: signs IMS API calls in the browser (or Node) exactly as the official SDK does:
// ACS3-HMAC-SHA256 over the canonical request (API.md §2.2), with WebCrypto. Also signs the
// /media URLs of local buckets (docs/ui.md). No state: the caller passes the key each time.

const te = new TextEncoder();

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

// RFC 3986 encoding (API.md §2.1 ENC): only A-Z a-z 0-9 - _ . ~ stay, upper-case hex.
export function enc(s) {
  return encodeURIComponent(String(s)).replace(/[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export async function sha256Hex(text) {
  return hex(await crypto.subtle.digest('SHA-256', te.encode(text)));
}

export async function hmacHex(secret, text) {
  const key = await crypto.subtle.importKey('raw', te.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', key, te.encode(text)));
}

// [[name, value], ...] -> the canonical query string: ENC'd pairs sorted by name, then value.
export function canonicalQuery(pairs) {
  const q = pairs.map(([k, v]) => [enc(k), enc(v)]);
  q.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return q.map(([k, v]) => `${k}=${v}`).join('&');
}

// A form body as the SDK sends it: name=ENC(value) joined with '&'.
export function formBody(pairs) {
  return pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

export function acsDate(d = new Date()) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nonce() {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

// Signs one request. query: [[name, value]] (decoded); body: the form body text ('' for none);
// extraHeaders: more headers to send and sign (e.g. x-acs-credentials-provider). Returns
// { headers (all signed ones plus Authorization; `host` among them: a browser sets it itself),
//   canonicalRequest, stringToSign, signature, query (the canonical query to send) }.
export async function signAcs3({ method = 'POST', host, action, version = '2020-11-09', query = [],
  body = '', keyId, secret, date = acsDate(), signatureNonce = nonce(), extraHeaders = {} }) {
  const headers = {
    host, 'x-acs-action': action, 'x-acs-version': version, 'x-acs-date': date,
    'x-acs-signature-nonce': signatureNonce, 'x-acs-content-sha256': await sha256Hex(body),
  };
  for (const [k, v] of Object.entries(extraHeaders)) headers[k.toLowerCase()] = v;
  if (body) headers['content-type'] = headers['content-type'] || 'application/x-www-form-urlencoded';
  const names = Object.keys(headers).sort();
  const cq = canonicalQuery(query);
  const canonicalRequest = [method, '/', cq,
    names.map((n) => `${n}:${String(headers[n]).trim()}\n`).join(''), names.join(';'),
    headers['x-acs-content-sha256']].join('\n');
  const stringToSign = 'ACS3-HMAC-SHA256\n' + await sha256Hex(canonicalRequest);
  const signature = await hmacHex(secret, stringToSign);
  headers.authorization =
    `ACS3-HMAC-SHA256 Credential=${keyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return { headers, canonicalRequest, stringToSign, signature, query: cq };
}

// oss://bucket/key or http(s)://bucket.oss-REGION[-internal].aliyuncs.com/key -> {bucket, key}.
export function parseOss(url) {
  let m = /^oss:\/\/([a-z0-9.-]+)\/(.+)$/.exec(url || '');
  if (m) return { bucket: m[1], key: m[2] };
  m = /^https?:\/\/([a-z0-9-]+)\.oss-[a-z0-9-]+\.aliyuncs\.com\/([^?#]+)/.exec(url || '');
  if (m) return { bucket: m[1], key: decodeURIComponent(m[2]) };
  return null;
}

// The signed /media URL (path and query, same origin) of bucket/key, valid ttl seconds:
// Signature = hex HMAC-SHA256(secret, "GET\n<bucket>\n<key>\n<Expires>").
export async function mediaUrl({ bucket, key, keyId, secret, ttl = 3600, now = Date.now() }) {
  const expires = Math.floor(now / 1000) + ttl;
  const sig = await hmacHex(secret, `GET\n${bucket}\n${key}\n${expires}`);
  return `/media/${bucket}/${key.split('/').map(enc).join('/')}` +
    `?Expires=${expires}&AccessKeyId=${enc(keyId)}&Signature=${sig}`;
}
