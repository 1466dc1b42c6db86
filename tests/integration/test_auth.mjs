// Raw signed requests against a running server: replayed nonce, stale date, tampered signature,
// missing parameters, unknown action and path, oversized bodies, health check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  tempDir, createKey, startServer, signAcs3, send, cleanup, expectError,
} from '../client/harness.mjs';

let dir, server, key, host;

before(async () => {
  dir = tempDir();
  key = createKey(dir);
  server = await startServer({ dataDir: dir, workers: 0 });
  host = server.endpoint;
});

after(async () => {
  if (server) await server.stop();
  cleanup(dir);
});


test('a replayed nonce is rejected, the first use is not', async () => {
  const req = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key });
  const first = await send(server.port, req);
  expectError(first, 404, 'InvalidParameter.ResourceNotFound');
  const again = await send(server.port, req);
  expectError(again, 400, 'SignatureNonceUsed');
});

test('a stale or malformed date is rejected', async () => {
  const old = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key, date: '2025-01-02T03:04:05Z' });
  expectError(await send(server.port, old), 400, 'InvalidTimeStamp.Expired');
  const bad = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key, date: '2025-01-02 03:04:05' });
  expectError(await send(server.port, bad), 400, 'InvalidTimeStamp.Format');
});

test('a tampered request does not verify', async () => {
  const req = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key });
  req.path = req.path.replace('JobId=x', 'JobId=y');
  expectError(await send(server.port, req), 400, 'SignatureDoesNotMatch');
  const body = signAcs3({ host, action: 'SubmitSegmentationJob', body: 'InputConfig=%7B%7D', key });
  body.body = 'InputConfig=%7B%7E';
  expectError(await send(server.port, body), 400, 'SignatureDoesNotMatch');
});

test('missing signature, unknown action, wrong version, unknown path', async () => {
  expectError(await send(server.port, { method: 'POST', path: '/?JobId=x', headers: { host } }), 400, 'IncompleteSignature');
  expectError(await send(server.port, signAcs3({ host, action: 'DeleteEverything', key })), 404, 'InvalidApi.NotFound');
  const v = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key });
  v.headers['x-acs-version'] = '2017-03-21';
  expectError(await send(server.port, v), 400, 'InvalidVersion');
  expectError(await send(server.port, { method: 'GET', path: '/elsewhere', headers: { host } }), 404, 'InvalidApi.NotFound');
  expectError(await send(server.port, { method: 'PUT', path: '/', headers: { host } }), 404, 'InvalidApi.NotFound');
});

test('missing business parameter and malformed JSON name the parameter', async () => {
  const r = await send(server.port, signAcs3({ host, action: 'GetSmartHandleJob', key }));
  expectError(r, 400, 'MissingParameter');
  assert.equal(r.json.Message, 'JobId is mandatory for this action.');
  const input = encodeURIComponent('{"Type":"OSS","Media":"oss://media-in/a.mp4"}');
  const j = await send(server.port, signAcs3({ host, action: 'SubmitSegmentationJob', query: { UserData: '{"a":' }, body: 'InputConfig=' + input, key }));
  expectError(j, 400, 'InvalidParameter.JsonFormat');
  assert.equal(j.json.Message, 'UserData is not a valid JSON object');
  const e = await send(server.port, signAcs3({ host, action: 'SubmitSegmentationJob', body: 'InputConfig=%7B%7D', key }));
  expectError(e, 400, 'InvalidParameter.EmptyValue');
  assert.equal(e.json.Message, 'InputConfig.Type is mandatory for this action.');
});

test('duplicate parameters and oversized bodies are rejected', async () => {
  const d = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key });
  d.path += '&JobId=x';
  expectError(await send(server.port, d), 400, 'InvalidParameter');
  const big = signAcs3({ host, action: 'SubmitSegmentationJob', body: 'InputConfig=' + 'a'.repeat(1100 * 1024), key });
  expectError(await send(server.port, big), 413, 'RequestTooLarge');
});

test('healthz answers without authentication', async () => {
  const r = await send(server.port, { method: 'GET', path: '/healthz', headers: { host } });
  assert.equal(r.status, 200);
  assert.equal(r.json.Status, 'OK');
  assert.equal(typeof r.json.QueuedJobs, 'number');
});

test('metrics count answered requests in Prometheus text format', async () => {
  await send(server.port, signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'nope' }, key }));
  const r = await send(server.port, { method: 'GET', path: '/metrics', headers: { host } });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain/);
  const m = r.text.match(/reelcut_http_requests_total\{action="GetSmartHandleJob",code="InvalidParameter.ResourceNotFound"\} (\d+)/);
  assert.ok(m && Number(m[1]) >= 1, r.text);
  assert.match(r.text, /reelcut_jobs_queued \d+/);
  assert.match(r.text, /reelcut_http_request_duration_seconds_count\{action="GetSmartHandleJob"\} \d+/);
});
