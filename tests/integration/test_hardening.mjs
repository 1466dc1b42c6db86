// Hostile requests from strangers (issue 11): each once failed, each must now get a clear IMS
// answer and leave the server as it was. Thousands of query parameters, a replay in the last
// second its date is accepted, metrics labels from unverified names, NUL bytes in parameters,
// request heads past the documented limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
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


// Raw bytes in, whole answer out (or an error if none comes within ms).
function rawExchange(bytes, ms = 5000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no answer')); }, ms);
    s.on('data', (d) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: *(\d+)/i.exec(text);
      if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) {
        clearTimeout(timer);
        s.destroy();
        const body = text.slice(head + 4, head + 4 + Number(len[1]));
        let json;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ status: Number(text.split(' ')[1]), head: text.slice(0, head), body, json });
      }
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.end(bytes);
  });
}

test('a query of 4,500 parameters is answered (400, JSON), every time', async () => {
  const q = Array.from({ length: 4500 }, (_, i) => `a${i}=${i}`).join('&');
  assert.ok(q.length > 31000 && q.length < 64 * 1024);
  for (let i = 0; i < 50; i++) {
    const r = await rawExchange(`GET /?${q} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.equal(r.status, 400, r.head);
    assert.equal(r.json.Code, 'InvalidParameter');
    assert.equal(r.json.Message, 'The request has more than 256 parameters');
  }
  // and the server is still itself
  const ok = await send(server.port, signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key }));
  expectError(ok, 404, 'InvalidParameter.ResourceNotFound');
});

test('a request head over the 64 KiB limit gets the IMS 413, not an HTML page', async () => {
  for (const size of [70 * 1024, 200 * 1024]) {
    const r = await rawExchange(`GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`);
    assert.equal(r.status, 413, r.head);
    assert.equal(r.json.Code, 'RequestTooLarge');
  }
  const lines = Array.from({ length: 3000 }, (_, i) => `h${i}: v\r\n`).join('');
  const r = await rawExchange(`GET / HTTP/1.1\r\nHost: ${host}\r\n${lines}\r\n`);
  assert.equal(r.status, 413, r.head);
  assert.equal(r.json.Code, 'RequestTooLarge');
});

// A request dated exactly 900 s ago is accepted (API.md §2.4 rejects more than 900 s); its nonce
// must still count in that same second, or the captured bytes can be replayed once more.
test('a replay in the last second a date is accepted is refused', async () => {
  let checked = 0;
  for (let attempt = 0; attempt < 5 && !checked; attempt++) {
    while (Date.now() % 1000 > 300) await new Promise((r) => setTimeout(r, 20));
    const second = Math.floor(Date.now() / 1000);
    const date = new Date((second - 900) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const req = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key, date });
    const first = await send(server.port, req);
    const again = await send(server.port, req);
    if (Math.floor(Date.now() / 1000) !== second) continue; // the second ended: try again
    expectError(first, 404, 'InvalidParameter.ResourceNotFound');
    expectError(again, 400, 'SignatureNonceUsed');
    checked++;
  }
  assert.equal(checked, 1, 'no attempt fitted in one second');
  const stale = signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key,
    date: new Date(Date.now() - 902 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  expectError(await send(server.port, stale), 400, 'InvalidTimeStamp.Expired');
});

test('a NUL byte in any parameter is refused, so two nonces never read as one', async () => {
  const rpc = '/?Action=GetSmartHandleJob&Version=2020-11-09&SignatureNonce=n%00a&JobId=x';
  const r = await send(server.port, { method: 'GET', path: rpc, headers: { host } });
  expectError(r, 400, 'InvalidParameter');
  assert.equal(r.json.Message, 'Parameter "SignatureNonce" contains a NUL byte (%00)');
  const q = await send(server.port, signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x\u0000y' }, key }));
  expectError(q, 400, 'InvalidParameter');
  assert.equal(q.json.Message, 'Parameter "JobId" contains a NUL byte (%00)');
});

test('/metrics labels come only from our own action names, escaped', async () => {
  const hostile = 'A"} 1\nreelcut_jobs_queued 31337\n#';
  const r = await send(server.port, { method: 'GET',
    path: '/?Action=' + encodeURIComponent(hostile) + '&Version=2020-11-09', headers: { host } });
  assert.ok(r.status === 400 || r.status === 404, r.text);
  for (let i = 0; i < 140; i++) {
    const h = signAcs3({ host, action: `Junk${i}`, key });
    expectError(await send(server.port, h), 404, 'InvalidApi.NotFound');
  }
  const good = await send(server.port, signAcs3({ host, action: 'GetSmartHandleJob', query: { JobId: 'x' }, key }));
  expectError(good, 404, 'InvalidParameter.ResourceNotFound');
  const m = await send(server.port, { method: 'GET', path: '/metrics', headers: { host } });
  assert.equal(m.status, 200);
  assert.doesNotMatch(m.text, /31337/);
  assert.doesNotMatch(m.text, /Junk/);
  // every sample line is one well-formed series
  for (const line of m.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    assert.match(line, /^[a-z_]+(\{[a-z_]+="(?:[^"\\\n]|\\.)*"(,[a-z_]+="(?:[^"\\\n]|\\.)*")*\})? [0-9.e+-]+$/, line);
  }
  const unknown = /reelcut_http_requests_total\{action="unknown",code="InvalidApi.NotFound"\} (\d+)/.exec(m.text);
  assert.ok(unknown && Number(unknown[1]) >= 140, m.text);
  assert.match(m.text, /reelcut_http_requests_total\{action="GetSmartHandleJob",code="InvalidParameter.ResourceNotFound"\} [1-9]/);
});
