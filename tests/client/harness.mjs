// Test harness: starts real reelcut servers on loopback, makes keys and buckets, signs raw requests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import http from 'node:http';
import { makeClient } from './ims.mjs';

export const BIN = process.env.REELCUT || 'build-test/reelcut';
export const MEDIA = process.env.REELCUT_MEDIA || 'build-test/media';

export function tempDir(prefix = 'reelcut-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function createKey(dataDir) {
  const out = execFileSync(BIN, ['keys', 'create', '--data-dir', dataDir], { encoding: 'utf8' });
  return JSON.parse(out);
}

export function makeBucket(dataDir, name, files = {}) {
  const dir = join(dataDir, 'buckets', name);
  mkdirSync(dir, { recursive: true });
  for (const [key, src] of Object.entries(files)) {
    const dst = join(dir, key);
    mkdirSync(join(dst, '..'), { recursive: true });
    copyFileSync(src, dst);
  }
  return dir;
}

// Starts `reelcut serve` on a free port; resolves once it listens. extraArgs/env are passed on.
export function startServer({ dataDir, workers = 1, extraArgs = [], env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir,
      '--workers', String(workers), ...extraArgs], {
      env: { ...process.env, REELCUT_LOG: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    const onData = (d) => {
      log += d.toString();
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m && !proc.port) {
        proc.port = Number(m[1]);
        clearTimeout(timer);
        resolve({
          proc, port: proc.port, endpoint: `127.0.0.1:${proc.port}`, log: () => log,
          stop: (signal = 'SIGTERM') => new Promise((res) => {
            proc.stopping = true;
            if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode);
            proc.once('exit', (code, sig) => res(code ?? sig));
            proc.kill(signal);
          }),
        });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}:\n${log}`));
      // a server that dies under a test shows why (a sanitizer report, a crash), whatever the
      // test then reports (a refused or reset connection)
      if (proc.port && !proc.stopping)
        console.error(`reelcut serve on port ${proc.port} exited by itself (${code ?? sig}):\n${log}`);
    });
  });
}

// Starts `reelcut worker` (no port to wait for); log() is what it printed, stop(signal) ends it.
export function startWorker({ dataDir, workers = 1, extraArgs = [], env = {} } = {}) {
  const proc = spawn(BIN, ['worker', '--data-dir', dataDir, '--workers', String(workers), ...extraArgs], {
    env: { ...process.env, REELCUT_LOG: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d.toString(); });
  proc.stderr.on('data', (d) => { log += d.toString(); });
  return {
    proc, log: () => log,
    stop: (signal = 'SIGTERM') => new Promise((res) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode);
      proc.once('exit', (code, sig) => res(code ?? sig));
      proc.kill(signal);
    }),
  };
}

export function client(server, key, signatureAlgorithm) {
  return makeClient({ endpoint: server.endpoint, accessKeyId: key.AccessKeyId,
    accessKeySecret: key.AccessKeySecret, signatureAlgorithm });
}

export async function waitForJob(c, jobId, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await c.call('GetSmartHandleJob', { JobId: jobId });
    if (last.State === 'Finished' || last.State === 'Failed') return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`job ${jobId} did not end: ${JSON.stringify(last)}`);
}

export function ffprobe(file) {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json',
    '-show_format', '-show_streams', file], { encoding: 'utf8' }));
}

// RFC 3986 encoding as API.md §2.1 ENC.
export function enc(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// Builds and sends a raw ACS3-signed request, so tests can replay, tamper and skew it.
export function signAcs3({ host, action, query = {}, body = '', key, date, nonce, method = 'POST' }) {
  const q = Object.entries(query).map(([k, v]) => [enc(k), enc(v)]).sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1);
  const canonQuery = q.map(([k, v]) => `${k}=${v}`).join('&');
  const headers = {
    host, 'x-acs-action': action, 'x-acs-version': '2020-11-09',
    'x-acs-date': date || new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': nonce || randomBytes(16).toString('hex'),
    'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
  };
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  const names = Object.keys(headers).sort();
  const canon = [method, '/', canonQuery, names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'), headers['x-acs-content-sha256']].join('\n');
  const sts = 'ACS3-HMAC-SHA256\n' + createHash('sha256').update(canon).digest('hex');
  const sig = createHmac('sha256', key.AccessKeySecret).update(sts).digest('hex');
  headers.Authorization = `ACS3-HMAC-SHA256 Credential=${key.AccessKeyId},SignedHeaders=${names.join(';')},Signature=${sig}`;
  return { method, path: '/' + (canonQuery ? '?' + canonQuery : ''), headers, body };
}

export function send(port, req) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path,
      headers: req.headers }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(data); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text: data, json });
      });
    });
    r.on('error', reject);
    if (req.body) r.write(req.body);
    r.end();
  });
}

// curl --aws-sigv4 against a tests/s3/swift.sh server in swiftDir (credentials from its netrc: the
// key id has a colon). Asserts a 2xx answer unless allowFail; returns { status, body }.
export function s3curl(swiftDir, region, args, { allowFail = false } = {}) {
  const full = ['-s', '-S', '--netrc-file', join(swiftDir, 'netrc'), '--aws-sigv4',
    `aws:amz:${region}:s3`, '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
    '-w', '\n%{http_code}', ...args];
  const out = execFileSync('curl', full, { encoding: 'latin1' });
  const nl = out.lastIndexOf('\n');
  const status = Number(out.slice(nl + 1));
  if (!allowFail) assert.ok(status >= 200 && status < 300, `curl ${args.join(' ')}: ${out}`);
  return { status, body: out.slice(0, nl) };
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// Asserts an IMS error answer (API.md §3.1): status, Code, the five keys, the request id header.
export function expectError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.ok(res.json, `not JSON: ${String(res.text).slice(0, 200)}`);
  assert.equal(res.json.Code, code, res.text);
  for (const k of ['RequestId', 'HostId', 'Code', 'Message', 'Recommend']) assert.ok(k in res.json, k);
  assert.equal(res.headers['x-acs-request-id'], res.json.RequestId);
  assert.match(res.headers['content-type'], /^application\/json/);
}
