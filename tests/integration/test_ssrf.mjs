// Issue 11 item 3 (callbacks, URL inputs and job S3 endpoints to any address) end to end against
// `reelcut serve` on its DEFAULT configuration: a real node:http receiver on 127.0.0.1 never gets
// a request unless the operator names 127.0.0.1. Address literals in any spelling are refused at
// submission; callbacks stored while a host was named are refused where they connect once it is
// not (the case of a DNS name that resolves inside), with the same NotifyError as a closed port.
// Only 127.0.0.1 and ::1 are contacted; the metadata addresses are only ever submitted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, cleanup,
} from '../client/harness.mjs';

const NEUTRAL = 'receiver could not be reached or gave no answer within 3000 ms';
const INTERNAL = 'the host is an internal (loopback, private or reserved) address';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const closers = [];

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
});

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

// Records every request (and every TCP connection, even one that never sends a request).
function startReceiver(port = 0) {
  const hits = [];
  let connections = 0;
  const sockets = new Set();
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      hits.push({ path: req.url, method: req.method, body });
      if (req.url === '/sample.mp4') {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        createReadStream(join(MEDIA, 'sample.mp4')).pipe(res);
      } else {
        res.end('ok');
      }
    });
  });
  srv.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    srv.listen(port, '127.0.0.1', () => resolve({
      hits, port: srv.address().port, connections: () => connections,
      close: () => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(() => r()); }),
    }));
  });
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

// A job that fails at once (its input does not exist), which queues its callback.
function submitFailing(c, notify, ticket) {
  return c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: `oss://media-in/missing-${ticket}.mp4` },
    UserData: { NotifyAddress: notify, ticket },
  });
}

function refusedAs(path, url) {
  return (e) => {
    assert.equal(e.code, 'InvalidParameter.UnsupportedValue', `${url}: ${e.code} ${e.data?.Message}`);
    assert.equal(e.data.Message, `${path} value "${url}" is not supported: ${INTERNAL}`);
    return true;
  };
}

// Every spelling of the issue, for a receiver port on this machine.
const spellings = (port) => [
  `http://127.0.0.1:${port}/cb`, `http://0.0.0.0:${port}/cb`, `http://[::1]:${port}/cb`,
  `http://2130706433:${port}/cb`, `http://0177.0.0.1:${port}/cb`, `http://0x7f000001:${port}/cb`,
  `http://127.1:${port}/cb`, `http://[::ffff:127.0.0.1]:${port}/cb`, `http://localhost:${port}/cb`,
  'http://169.254.169.254/latest/meta-data/', 'http://100.100.100.200/latest/meta-data/',
];

test('default configuration: every internal spelling of NotifyAddress is refused at submission', async () => {
  const rcv = await startReceiver();
  closers.push(rcv.close);
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in');
  const server = await startServer({ dataDir: dir, workers: 1 });
  try {
    const c = client(server, key);
    for (let round = 0; round < 3; round++) { // hostile requests, repeated: no leak, no crash
      for (const url of spellings(rcv.port)) {
        await assert.rejects(submitFailing(c, url, `T-${round}`), refusedAs('UserData.NotifyAddress', url));
      }
    }
    await sleep(500);
    assert.equal(rcv.connections(), 0);
    assert.deepEqual(rcv.hits, []);
  } finally {
    assert.equal(await server.stop(), 0, 'clean exit (no sanitizer report)');
    cleanup(dir);
  }
});

test('stored callbacks to loopback are refused where they connect once the host is not named', async () => {
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in');
  const port = await freePort(); // the receiver is down while server A runs
  const named = '127.0.0.1,localhost,2130706433,[::ffff:127.0.0.1]';
  const targets = [`http://127.0.0.1:${port}/a`, `http://localhost:${port}/b`,
    `http://2130706433:${port}/c`, `http://[::ffff:127.0.0.1]:${port}/d`];
  const env = { REELCUT_CALLBACK_BASE_MS: '200', REELCUT_CALLBACK_CAP_MS: '400' };

  // A: the operator names the hosts; the receiver is down, so attempts fail (closed port).
  let server = await startServer({ dataDir: dir, workers: 1,
    env: { ...env, REELCUT_CALLBACK_ALLOW_HOSTS: named, REELCUT_CALLBACK_ATTEMPTS: '100' } });
  let c = client(server, key);
  const ids = [];
  for (const [i, t] of targets.entries()) ids.push((await submitFailing(c, t, `S-${i}`)).JobId);
  for (const id of ids) {
    const j = await waitFor(`a failed attempt of ${id}`, async () => {
      const r = await c.call('GetSmartHandleJob', { JobId: id });
      return r.NotifyError ? r : null;
    });
    assert.equal(j.NotifyState, 'Pending');
    assert.equal(j.NotifyError, NEUTRAL, 'a closed port');
  }
  assert.equal(await server.stop(), 0);

  // B: default configuration, the receiver is up: the stored rows are attempted (once: attempts
  // = 1 makes that attempt the last) and refused before any packet is sent.
  const rcv = await startReceiver(port);
  closers.push(rcv.close);
  server = await startServer({ dataDir: dir, workers: 1, env: { ...env, REELCUT_CALLBACK_ATTEMPTS: '1' } });
  c = client(server, key);
  for (const id of ids) {
    const j = await waitFor(`the callback of ${id} to settle`, async () => {
      const r = await c.call('GetSmartHandleJob', { JobId: id });
      return r.NotifyState === 'Failed' || r.NotifyState === 'Delivered' ? r : null;
    });
    assert.equal(j.NotifyState, 'Failed', JSON.stringify(j));
    assert.equal(j.NotifyError, NEUTRAL, 'refused reads as a closed port');
  }
  await sleep(500);
  assert.equal(rcv.connections(), 0);
  assert.deepEqual(rcv.hits, []);
  const log = server.log();
  assert.match(log, /refused to connect to 127\.0\.0\.1: an internal address/);
  assert.match(log, /refused to connect to ::ffff:127\.0\.0\.1: an internal address/);
  assert.equal(await server.stop(), 0, 'clean exit (no sanitizer report)');

  // C: REELCUT_CALLBACK_ALLOW_HOSTS=127.0.0.1 keeps working: the receiver gets the POST.
  server = await startServer({ dataDir: dir, workers: 1,
    env: { ...env, REELCUT_CALLBACK_ALLOW_HOSTS: '127.0.0.1' } });
  try {
    c = client(server, key);
    const ok = await submitFailing(c, `http://127.0.0.1:${port}/ok`, 'S-ok');
    const j = await waitFor('the delivery', async () => {
      const r = await c.call('GetSmartHandleJob', { JobId: ok.JobId });
      return r.NotifyState === 'Delivered' ? r : null;
    });
    assert.equal(j.NotifyError, undefined);
    assert.equal(rcv.hits.length, 1);
    assert.equal(rcv.hits[0].method, 'POST');
    assert.equal(rcv.hits[0].path, '/ok');
    assert.equal(JSON.parse(rcv.hits[0].body).MessageBody.JobId, ok.JobId);
    // Named hosts only: another spelling of the same address is not in the list.
    await assert.rejects(submitFailing(c, `http://localhost:${port}/no`, 'S-no'),
      (e) => e.code === 'InvalidParameter.UnsupportedValue' && /callback allow-list/.test(e.data.Message));
  } finally {
    await server.stop();
    cleanup(dir);
  }
});

test('URL inputs and OutputConfig.Endpoint: internal hosts only when named', async () => {
  const rcv = await startReceiver();
  closers.push(rcv.close);
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  makeBucket(dir, 'media-out');
  // A domain pattern that matches loopback literals names no host; Endpoint overrides are on
  // (with credentials to sign with) and no endpoint host is named.
  let server = await startServer({ dataDir: dir, workers: 1, env: {
    REELCUT_INPUTS_ALLOWED_HOSTS: '.0.0.1',
    REELCUT_STORAGE_ALLOW_ENDPOINT_OVERRIDE: 'true',
    REELCUT_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', REELCUT_S3_SECRET_ACCESS_KEY: 's3cr3t' } });
  try {
    const c = client(server, key);
    const input = `http://127.0.0.1:${rcv.port}/sample.mp4`;
    await assert.rejects(c.call('SubmitSegmentationJob', { InputConfig: { Type: 'OSS', Media: input } }),
      refusedAs('InputConfig.Media', input));
    for (const endpoint of [`http://127.0.0.1:${rcv.port}`, `http://0x7f000001:${rcv.port}/`,
      `http://[::ffff:127.0.0.1]:${rcv.port}`, `http://localhost:${rcv.port}`, 'http://169.254.169.254',
      'http://100.100.100.200']) {
      await assert.rejects(c.call('SubmitSegmentationJob', {
        InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
        OutputConfig: { Bucket: 'media-out', ObjectKey: 'e/{index}.mp4', Endpoint: endpoint },
      }), refusedAs('OutputConfig.Endpoint', endpoint));
    }
    assert.equal(rcv.connections(), 0);
  } finally {
    assert.equal(await server.stop(), 0, 'clean exit (no sanitizer report)');
  }

  // Named: the download reaches the receiver and the job runs.
  server = await startServer({ dataDir: dir, workers: 1, env: { REELCUT_INPUTS_ALLOWED_HOSTS: '127.0.0.1' } });
  try {
    const c = client(server, key);
    const sub = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: `http://127.0.0.1:${rcv.port}/sample.mp4` },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 1, Out: 2 }] },
    });
    const job = await waitForJob(c, sub.JobId);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
    assert.deepEqual(rcv.hits.map((h) => h.path), ['/sample.mp4']);
  } finally {
    await server.stop();
    cleanup(dir);
  }
});
