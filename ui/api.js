// api: the signed IMS calls of the dashboard, and the key they are signed with. The key lives in
// this tab's sessionStorage only (docs/ui.md): gone when the tab closes, never sent anywhere but
// as a signature.
import { signAcs3, formBody, mediaUrl, parseOss } from './acs3.js';

const STORE = 'reelcut.key';

export function getKey() {
  try { return JSON.parse(sessionStorage.getItem(STORE)); } catch { return null; }
}
export function setKey(key) {
  if (key) sessionStorage.setItem(STORE, JSON.stringify(key)); else sessionStorage.removeItem(STORE);
}

// Plain words for the errors a person at the sign-in form meets, beside the IMS Code.
const WORDS = {
  'InvalidAccessKeyId.NotFound': 'This server has no such AccessKeyId.',
  'InvalidAccessKeyId.Inactive': 'This access key is disabled.',
  SignatureDoesNotMatch: 'The AccessKeySecret does not belong to this AccessKeyId.',
  'InvalidTimeStamp.Expired': "This computer's clock differs from the server's by more than 15 minutes.",
  ServiceUnavailable: 'The job store does not answer; try again in a moment.',
};

export class ImsError extends Error {
  constructor(status, body) {
    const code = body && body.Code ? body.Code : `HTTP ${status}`;
    // (SignatureDoesNotMatch may carry the server's canonical request: not for people)
    const msg = body && body.Message ? String(body.Message).split(' server canonical request')[0] : '';
    super(`${code}: ${msg}`);
    this.code = code;
    this.status = status;
    this.words = WORDS[code] || msg;
    this.requestId = body && body.RequestId;
  }
}

// Calls action with query parameters (object; objects become JSON strings) and, for the Submit
// calls, InputConfig in the form body as the SDK does. GET for ListSmartJobs, as the SDK.
export async function call(action, params = {}, key = getKey()) {
  if (!key) throw new ImsError(0, { Code: 'NotSignedIn', Message: 'Sign in first.' });
  const q = [], b = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    (k === 'InputConfig' ? b : q).push([k, s]);
  }
  const method = action === 'ListSmartJobs' ? 'GET' : 'POST';
  const body = formBody(b);
  const signed = await signAcs3({ method, host: location.host, action, query: q, body,
    keyId: key.id, secret: key.secret });
  const headers = { ...signed.headers };
  delete headers.host; // (the browser sends it, the same value)
  const res = await fetch('/' + (signed.query ? '?' + signed.query : ''), {
    method, headers, body: body || undefined, cache: 'no-store', credentials: 'omit',
  });
  let json;
  try { json = await res.json(); } catch { json = null; }
  if (!res.ok) throw new ImsError(res.status, json);
  return json;
}

// A same-origin URL a <video>/<img>/fetch can load for an object, or null when the location is not
// a bucket object (http URLs, local paths) - those the page does not play.
export async function playUrl(location, ttl = 3600) {
  const key = getKey();
  // "~jobs/<JobId>/<name>": an artefact of a job (thumbnail, signal track; docs/ui.md)
  const o = typeof location === 'string' && location.startsWith('~jobs/')
    ? { bucket: '~jobs', key: location.slice(6) } : parseOss(location);
  if (!o || !key) return null;
  return mediaUrl({ ...o, keyId: key.id, secret: key.secret, ttl });
}

// The playable URL of a job input: an oss:// location, or a MediaId resolved with GetMediaInfo.
export async function inputUrl(input) {
  if (/^[0-9a-f]{32}$/.test(input || '')) {
    try {
      const r = await call('GetMediaInfo', { MediaId: input });
      return playUrl(r.MediaInfo.MediaBasicInfo.InputURL);
    } catch { return null; }
  }
  return playUrl(input);
}
