// Completion callbacks (API.md §4.7) end to end: a real HTTP receiver on loopback that checks the
// X-ICE-* signature, fails the first attempts with 500, stalls past the 3 s timeout once, and is
// down while the service restarts; a real redis-server for queue targets. Jobs fail fast (their
// input does not exist), which also triggers the callback, so nothing here depends on the engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  tempDir, createKey, makeBucket, startServer, client, cleanup,
} from '../client/harness.mjs';

const AUTH_KEY = 'Test123';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A receiver whose answer depends on the path and the attempt number there: script(path, n)
// returns a status, or 'stall' (answer 200 after 4.5 s, past the notifier's 3 s timeout).
function startReceiver(script, port = 0) {
  const hits = [];
  const sockets = new Set();
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const n = hits.filter((h) => h.path === req.url).length + 1;
      const hit = { path: req.url, n, method: req.method, headers: req.headers, body, at: Date.now() };
      hits.push(hit);
      const what = script(req.url, n);
      hit.answer = what;
      if (what === 'stall') {
        setTimeout(() => { if (!res.destroyed) res.end('late'); }, 4500);
      } else {
        res.statusCode = what;
        res.end('x');
      }
    });
  });
  srv.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve) => {
    srv.listen(port, '127.0.0.1', () => resolve({
      hits, port: srv.address().port,
      close: () => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(() => r()); }),
    }));
  });
}

function expectedSignature(url, ts) {
  return createHash('md5').update(`${url}|${ts}|${AUTH_KEY}`).digest('hex');
}

async function waitFor(what, fn, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

let dir, key, redisPort, redis, serverEnv;
const closers = []; // servers and receivers still open when a test fails

before(async () => {
  dir = tempDir();
  key = createKey(dir);
  makeBucket(dir, 'media-in');
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  await waitFor('redis', () => {
    try {
      return execFileSync('redis-cli', ['-p', String(redisPort), 'PING'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'PONG';
    } catch { return false; }
  }, 10000);
  serverEnv = {
    // The receivers are on loopback: reachable only because the operator names the host.
    REELCUT_CALLBACK_ALLOW_HOSTS: '127.0.0.1',
    REELCUT_CALLBACK_AUTH_KEY: AUTH_KEY,
    REELCUT_CALLBACK_BASE_MS: '300',
    REELCUT_CALLBACK_CAP_MS: '1500',
    REELCUT_CALLBACK_ATTEMPTS: '6',
    REELCUT_CALLBACK_REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
  };
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  if (redis) redis.kill('SIGTERM');
  cleanup(dir);
});

// Submits a job that fails at once (missing input) with NotifyAddress target.
async function submitFailing(c, target, ticket) {
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: `oss://media-in/missing-${ticket}.mp4` },
    UserData: { NotifyAddress: target, ticket },
  });
  return sub.JobId;
}

function checkEnvelope(body, jobId, target, ticket, job) {
  const env = JSON.parse(body);
  assert.equal(env.EventType, 'SmartHandleJobComplete');
  assert.equal(env.UserId, 1000);
  assert.match(env.EventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(env.MessageBody.JobId, jobId);
  assert.equal(env.MessageBody.JobType, 'Segmentation');
  assert.equal(env.MessageBody.Status, 'Failed');
  assert.equal(env.MessageBody.ErrorCode, job.ErrorCode);
  assert.equal(env.MessageBody.ErrorMessage, job.ErrorMessage);
  assert.ok(env.MessageBody.ErrorMessage.length > 0);
  assert.equal(env.MessageBody.UserData, JSON.stringify({ NotifyAddress: target, ticket }));
  return env;
}

test('HTTP callbacks: retried through 500s, a timeout and a restart; queue callbacks via Redis', async () => {
  // Receiver 1 is up throughout: /flaky fails twice, stalls once, then answers 200; /never always 500.
  const r1 = await startReceiver((path, n) => {
    if (path === '/flaky') return n <= 2 ? 500 : n === 3 ? 'stall' : 200;
    if (path === '/never') return 500;
    return 404;
  });
  closers.push(r1.close);
  // Receiver 2 is down until the service has been restarted.
  const port2 = await freePort();
  const urlFlaky = `http://127.0.0.1:${r1.port}/flaky`;
  const urlNever = `http://127.0.0.1:${r1.port}/never`;
  const urlLate = `http://127.0.0.1:${port2}/late`;
  const queue = 'ice-callback-it_1';

  let server = await startServer({ dataDir: dir, workers: 1, env: serverEnv });
  closers.push(() => server.stop());
  let c = client(server, key);
  const idFlaky = await submitFailing(c, urlFlaky, 'T-flaky');
  const idNever = await submitFailing(c, urlNever, 'T-never');
  const idLate = await submitFailing(c, urlLate, 'T-late');
  const idQueue = await submitFailing(c, queue, 'T-queue');

  // The late receiver's first attempts fail (connection refused): NotifyError shows it, still Pending.
  const lateJob = await waitFor('a failed attempt to the down receiver', async () => {
    const j = await c.call('GetSmartHandleJob', { JobId: idLate });
    return j.NotifyError ? j : null;
  });
  assert.equal(lateJob.State, 'Failed');
  assert.equal(lateJob.NotifyError, 'receiver could not be reached or gave no answer within 3000 ms',
    'a closed port reads as any other failure to get an answer');
  // Every job has reached its final state (so its callback is queued) before the restart.
  for (const id of [idFlaky, idNever, idQueue]) {
    await waitFor(`job ${id} to fail`, async () => (await c.call('GetSmartHandleJob', { JobId: id })).State === 'Failed');
  }
  assert.equal(lateJob.NotifyState, 'Pending');
  const firstLog = server.log();
  assert.ok(!firstLog.includes(AUTH_KEY), 'the auth key is never logged');
  await server.stop();

  const r2 = await startReceiver(() => 200, port2);
  closers.push(r2.close);
  server = await startServer({ dataDir: dir, workers: 1, env: serverEnv });
  c = client(server, key);

  const settled = async (id) => {
    const j = await c.call('GetSmartHandleJob', { JobId: id });
    return j.NotifyState === 'Delivered' || j.NotifyState === 'Failed' ? j : null;
  };
  const [jFlaky, jNever, jLate, jQueue] = await Promise.all(
    [idFlaky, idNever, idLate, idQueue].map((id) => waitFor(`callback of ${id}`, () => settled(id), 90000)));

  // Delivered after 2 x 500 and one stall; the stall's failure is the recorded last error.
  assert.equal(jFlaky.State, 'Failed', 'the job result is unaffected');
  assert.equal(jFlaky.NotifyState, 'Delivered');
  assert.equal(jFlaky.NotifyError, 'receiver could not be reached or gave no answer within 3000 ms');
  assert.equal(jLate.NotifyState, 'Delivered');
  assert.equal(jNever.NotifyState, 'Failed');
  assert.equal(jNever.NotifyError, 'HTTP status 500');
  assert.equal(jQueue.NotifyState, 'Delivered');
  assert.equal(jQueue.NotifyError, undefined);

  await sleep(2500); // nothing more arrives after a success or the last failure
  const flaky = r1.hits.filter((h) => h.path === '/flaky');
  const never = r1.hits.filter((h) => h.path === '/never');
  assert.deepEqual(flaky.map((h) => h.answer), [500, 500, 'stall', 200]);
  assert.equal(never.length, 6);
  assert.ok(r2.hits.length >= 1);
  assert.equal(r2.hits.length, 1, 'exactly one delivery once the receiver is back');

  // Same bytes on every attempt, correct headers and signatures, retry gaps growing.
  for (const [hits, job, url, ticket] of [[flaky, jFlaky, urlFlaky, 'T-flaky'],
    [never, jNever, urlNever, 'T-never'], [r2.hits, jLate, urlLate, 'T-late']]) {
    checkEnvelope(hits[0].body, job.JobId, url, ticket, job);
    for (const h of hits) {
      assert.equal(h.method, 'POST');
      assert.equal(h.body, hits[0].body, 'identical body on each attempt');
      assert.equal(h.headers['content-type'], 'application/json');
      const ts = h.headers['x-ice-timestamp'];
      assert.match(ts, /^\d+$/);
      assert.ok(Math.abs(Number(ts) - h.at / 1000) < 5, 'timestamp of this attempt');
      assert.equal(h.headers['x-ice-signature'], expectedSignature(url, ts));
    }
  }
  const gaps = never.slice(1).map((h, i) => h.at - never[i].at);
  // (base 300 ms, cap 1500 ms: nominal gaps 300, 600, 1200, 1500, 1500, each +-10 % jitter. The
  // next attempt is scheduled after the failed one ends, so a loaded machine can only make a gap
  // longer, never shorter: each gap is at least its nominal value less the jitter - which a
  // schedule that does not grow fails from the second gap on - and none runs past the cap by more
  // than a loaded machine's second or so.)
  const nominal = [300, 600, 1200, 1500, 1500];
  assert.ok(gaps.every((g, k) => g >= nominal[k] * 0.9 - 20), `gaps grow: ${gaps}`);
  assert.ok(gaps.every((g) => g < 1500 * 1.1 + 1500), `gaps capped: ${gaps}`);

  // The queue target: one stream entry whose message is the envelope.
  const out = execFileSync('redis-cli', ['-p', String(redisPort), '--raw', 'XRANGE', queue, '-', '+'],
    { encoding: 'utf8' }).trim().split('\n');
  assert.equal(out.length, 3, out.join('\n'));
  assert.match(out[0], /^\d+-\d+$/);
  assert.equal(out[1], 'message');
  checkEnvelope(out[2], idQueue, queue, 'T-queue', jQueue);

  const log = server.log();
  assert.match(log, /callback of job [0-9a-f]{32} delivered to http:\/\/127\.0\.0\.1:\d+\/late/);
  assert.match(log, /failed for good \(attempt 6\/6\): HTTP status 500/);
  assert.ok(!log.includes(AUTH_KEY));
});

test('a queue target without a Redis URL fails at once, the job unaffected', async () => {
  const d = tempDir();
  let server;
  try {
    const k = createKey(d);
    makeBucket(d, 'media-in');
    server = await startServer({ dataDir: d, workers: 1, env: { REELCUT_CALLBACK_BASE_MS: '300' } });
    const c = client(server, k);
    const id = await submitFailing(c, 'ice-callback-nowhere', 'T-q');
    const j = await waitFor('failed notify', async () => {
      const r = await c.call('GetSmartHandleJob', { JobId: id });
      return r.NotifyState === 'Failed' ? r : null;
    });
    if (j.ErrorCode !== 'InvalidParameter.ResourceNotFound') console.log('job error:', j.ErrorCode, j.ErrorMessage);
    assert.equal(j.State, 'Failed', 'the job result is unaffected');
    assert.equal(j.NotifyError, 'no Redis URL configured for queue "ice-callback-nowhere"');
  } finally {
    if (server) await server.stop();
    cleanup(d);
  }
});
