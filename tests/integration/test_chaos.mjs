// Chaos on real parts (issue 15): PostgreSQL 15 and the Swift s3api server started here; one
// `reelcut serve --workers 0` and three `reelcut worker` processes, each with its own empty data
// dir; 50 segmentation and highlight jobs reading from and exporting to S3, with callbacks to a
// receiver on loopback. During the run a worker is killed with SIGKILL in the middle of a multipart
// export (and started again, as systemd would), PostgreSQL is restarted (`pg_ctl restart -m fast`)
// and later stopped for a few seconds while the API is asked (ServiceUnavailable, then recovery by
// itself), and the S3 proxy is down for 10 s. At the end: every job Finished; every output object
// written exactly once (counted from Swift's access log; a write the proxy finished as it was
// stopped, before logging it, must carry the job's tag) and complete (ffprobe); no job ran to
// completion twice (the store's attempt records); every callback delivered; no temp files left in
// any data dir; no incomplete multipart upload (but the marker Swift leaves of a completion the
// proxy carried out as it was killed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dgram from 'node:dgram';
import http from 'node:http';
import {
  BIN, MEDIA, tempDir, createKey, startServer, client, ffprobe, cleanup, signAcs3, send,
  expectError, s3curl as s3curlIn,
} from '../client/harness.mjs';

const SRC = process.env.REELCUT_SRC || '.';
const PG = join(SRC, 'tests/unit/store/pg_server.sh');
const SWIFT = join(SRC, 'tests/s3/swift.sh');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const N_WAVES = [20, 15, 15]; // jobs submitted before the kill, the database restart, the S3 stop
const LEASE_S = 6;

let pgDir, swiftDir, s3, url, udp, receiver;
const writes = []; // [method, path, status] of every S3 request the proxy logged
const procs = []; // every process started here, to stop in after()

function say(msg) {
  process.stderr.write(`chaos ${new Date().toISOString().slice(11, 23)} ${msg}\n`);
}

function readEnv(file) {
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^(\w+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

function s3curl(args) {
  return s3curlIn(swiftDir, s3.S3_REGION, args).body;
}

function psql(sql) {
  return execFileSync('psql', ['-X', '-A', '-t', '-F', '\t', '-h', pgDir, '-U', 'postgres',
    '-d', 'postgres', '-c', sql], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
    .map((l) => l.split('\t'));
}

function serviceEnv() {
  return {
    REELCUT_STORE_URL: url,
    REELCUT_STORAGE_DEFAULT: 's3',
    REELCUT_S3_ENDPOINT: s3.S3_ENDPOINT,
    REELCUT_S3_REGION: s3.S3_REGION,
    REELCUT_S3_ACCESS_KEY_ID: s3.S3_ACCESS_KEY_ID,
    REELCUT_S3_SECRET_ACCESS_KEY: s3.S3_SECRET_ACCESS_KEY,
    REELCUT_S3_MULTIPART_THRESHOLD_MB: '5',
    REELCUT_S3_PART_SIZE_MB: '5',
    REELCUT_JOBS_LEASE_SECONDS: String(LEASE_S),
    REELCUT_JOBS_RETRY_SECONDS: '2',
    REELCUT_JOBS_MAX_ATTEMPTS: '5',
    REELCUT_CALLBACK_ALLOW_HOSTS: '127.0.0.1',
    REELCUT_CALLBACK_BASE_SECONDS: '1',
    REELCUT_CALLBACK_CAP_SECONDS: '2',
    REELCUT_SHUTDOWN_GRACE_SECONDS: '20',
  };
}

// `reelcut worker` on its own data dir; its log is kept, `lines` gets every line as it comes.
function startWorker(dataDir, name, onLine) {
  const proc = spawn(BIN, ['worker', '--data-dir', dataDir, '--workers', '2'], {
    env: { ...process.env, ...serviceEnv(), REELCUT_LOG: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const w = { proc, name, dataDir, log: '' };
  let partial = '';
  const onData = (d) => {
    const text = d.toString();
    w.log += text;
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const l of lines) onLine(w, l);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  procs.push(w);
  return w;
}

function stopProc(proc, signal = 'SIGTERM') {
  return new Promise((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode ?? proc.signalCode);
    proc.once('exit', (code, sig) => res(code ?? sig));
    proc.kill(signal);
  });
}

function files(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

before(() => {
  pgDir = tempDir('reelcut-chaos-pg-');
  chmodSync(pgDir, 0o755);
  execFileSync('bash', [PG, 'start', pgDir], { stdio: 'inherit' });
  url = `postgresql:///postgres?host=${pgDir}&port=5432&user=postgres`;
});

after(async () => {
  for (const p of procs) await stopProc(p.proc, 'SIGKILL');
  // CHAOS_LOG_DIR=DIR keeps every process's log there (for a failure's post-mortem).
  if (process.env.CHAOS_LOG_DIR) {
    for (const p of procs) writeFileSync(join(process.env.CHAOS_LOG_DIR, `${p.name}-${p.proc.pid}.log`), p.log || (p.api ? p.api.log() : ''));
  }
  if (udp) udp.close();
  if (receiver) receiver.closeAllConnections(), receiver.close();
  if (swiftDir) {
    execFileSync('bash', [SWIFT, 'stop', swiftDir]);
    cleanup(swiftDir);
  }
  if (pgDir) {
    execFileSync('bash', [PG, 'stop', pgDir]);
    cleanup(pgDir);
  }
});

test('50 jobs on PostgreSQL + S3 survive a killed worker, a database restart and an S3 outage', async () => {
  // Swift, logging every request to a UDP port here.
  udp = dgram.createSocket('udp4');
  udp.on('message', (m) => {
    const line = m.toString().replace(/^<\d+>[^:]*: /, '');
    const [method, path, status] = line.split(' ');
    writes.push([method, decodeURIComponent(path), Number(status)]);
  });
  await new Promise((r) => udp.bind(0, '127.0.0.1', r));
  swiftDir = tempDir('reelcut-chaos-swift-');
  execFileSync('bash', [SWIFT, 'start', swiftDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SWIFT_ACCESS_LOG_UDP: String(udp.address().port) },
  });
  s3 = readEnv(join(swiftDir, 'env'));
  s3curl(['-X', 'PUT', `${s3.S3_ENDPOINT}/media-in`]);
  s3curl(['-X', 'PUT', `${s3.S3_ENDPOINT}/media-out`]);
  s3curl(['-T', join(MEDIA, 'chaos.mp4'), `${s3.S3_ENDPOINT}/media-in/chaos.mp4`]);

  // The callback receiver.
  const callbacks = new Map(); // path -> [body]
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (!callbacks.has(req.url)) callbacks.set(req.url, []);
      callbacks.get(req.url).push(body);
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const cbPort = receiver.address().port;

  // The API node and three workers, each on its own empty data dir.
  const apiDir = tempDir('reelcut-chaos-api-');
  const key = createKey(apiDir);
  const api = await startServer({ dataDir: apiDir, workers: 0, env: serviceEnv() });
  procs.push({ proc: api.proc, name: 'api', dataDir: apiDir, api });
  const c = client(api, key);

  let killed = null; // the worker killed mid-export
  let onKill;
  const killedPromise = new Promise((r) => { onKill = r; });
  const onLine = (w, line) => {
    // A multipart upload of a job's second output has sent a part: kill that worker now, after
    // its first output was stored and while the second is half uploaded.
    if (!killed && /s3: oss:\/\/media-out\/chaos\/\d+\/2\.mp4 part 1 of [2-9]/.test(line)) {
      killed = w;
      w.proc.kill('SIGKILL');
      onKill(line);
    }
  };
  const workerDirs = [1, 2, 3].map((i) => tempDir(`reelcut-chaos-w${i}-`));
  const workers = workerDirs.map((d, i) => startWorker(d, `w${i + 1}`, onLine));

  const jobs = []; // {i, JobId, type}
  async function submit(n) {
    for (let k = 0; k < n; k++) {
      const i = jobs.length + 1;
      const userData = JSON.stringify({ NotifyAddress: `http://127.0.0.1:${cbPort}/cb/${i}` });
      const output = { Bucket: 'media-out', ObjectKey: `chaos/${i}/{index}.mp4` };
      let r;
      if (i % 4 === 0) {
        r = await c.call('SubmitHighlightExtractionJob', {
          InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/chaos.mp4' }],
            Strategy: { Count: 2, ClipDuration: 3 } },
          OutputConfig: { NeedExport: true, ...output },
          UserData: userData,
        });
        jobs.push({ i, JobId: r.JobId, type: 'highlights' });
      } else {
        r = await c.call('SubmitSegmentationJob', {
          InputConfig: { Type: 'OSS', Media: 'oss://media-in/chaos.mp4' },
          JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 1 }, { In: 1, Out: 8 }] },
          OutputConfig: output,
          UserData: userData,
        });
        jobs.push({ i, JobId: r.JobId, type: 'segmentation' });
      }
    }
  }

  const t0 = Date.now();
  await submit(N_WAVES[0]);
  say(`submitted ${jobs.length} jobs`);

  // 1. SIGKILL a worker mid-export; systemd would start it again: so do we, on the same dir.
  const killLine = await Promise.race([killedPromise, sleep(120000).then(() => null)]);
  assert.ok(killLine, 'no worker reached a multipart export of a second output');
  say(`killed ${killed.name} (pid ${killed.proc.pid}): ${killLine}`);
  const killedPid = killed.proc.pid;
  await sleep(1000);
  workers.push(startWorker(killed.dataDir, `${killed.name}b`, () => {}));

  // 2. pg_ctl restart -m fast while jobs run, then submit more.
  await submit(N_WAVES[1]);
  execFileSync('bash', [PG, 'restart', pgDir], { stdio: 'inherit' });
  say('PostgreSQL restarted');

  // 3. The database away for a few seconds: the API answers ServiceUnavailable in the IMS shape,
  // then recovers by itself once it is back.
  execFileSync('bash', [PG, 'stop', pgDir], { stdio: 'inherit' });
  const probe = () => send(api.port, signAcs3({ host: api.endpoint, action: 'GetSmartHandleJob',
    query: { JobId: jobs[0].JobId }, key }));
  for (let k = 0; k < 3; k++) {
    expectError(await probe(), 503, 'ServiceUnavailable');
    await sleep(500);
  }
  execFileSync('bash', [PG, 'start', pgDir], { stdio: 'inherit' });
  const recoverBy = Date.now() + 30000;
  let res = await probe();
  while (res.status !== 200 && Date.now() < recoverBy) {
    await sleep(200);
    res = await probe();
  }
  assert.equal(res.status, 200, `the API did not recover: ${res.text}`);
  assert.equal(res.json.JobId, jobs[0].JobId);
  say('database outage: ServiceUnavailable, then recovered');

  // 4. The S3 server stopped for 10 s while jobs run.
  await submit(N_WAVES[2]);
  await sleep(1500);
  execFileSync('bash', [SWIFT, 'pause', swiftDir]);
  say('S3 stopped');
  await sleep(10000);
  execFileSync('bash', [SWIFT, 'resume', swiftDir]);
  say('S3 back');

  // Every job ends Finished.
  const done = new Map();
  const deadline = Date.now() + 300000;
  while (done.size < jobs.length && Date.now() < deadline) {
    for (const j of jobs) {
      if (done.has(j.JobId)) continue;
      const r = await c.call('GetSmartHandleJob', { JobId: j.JobId });
      if (r.State === 'Finished' || r.State === 'Failed') done.set(j.JobId, r);
    }
    if (done.size < jobs.length) await sleep(500);
  }
  say(`${done.size} of ${jobs.length} jobs ended after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const j of jobs) {
    const r = done.get(j.JobId);
    assert.ok(r, `job ${j.i} ${j.JobId} did not end`);
    assert.equal(r.State, 'Finished', `job ${j.i}: ${JSON.stringify(r)}`);
  }

  // Callbacks are delivered (retried through the outages); wait for the last ones.
  const cbDeadline = Date.now() + 60000;
  while (jobs.some((j) => !callbacks.has(`/cb/${j.i}`)) && Date.now() < cbDeadline) await sleep(250);
  say(`${jobs.filter((j) => callbacks.has(`/cb/${j.i}`)).length} callbacks received`);

  // Stop everything gracefully: what is left in the data dirs is what would stay behind.
  for (const w of workers) if (w !== killed) await stopProc(w.proc);
  await api.stop();

  // Each output written exactly once and complete.
  const completed = new Map(); // key -> count of completed writes
  for (const [method, path, status] of writes) {
    if (status < 200 || status >= 300 || !path.startsWith('/media-out/')) continue;
    const [p, q = ''] = path.split('?');
    const put = method === 'PUT' && !/(^|&)(partNumber|uploadId)=/.test(q);
    const complete = method === 'POST' && /(^|&)uploadId=/.test(q);
    if (put || complete) completed.set(p.slice('/media-out/'.length), (completed.get(p.slice('/media-out/'.length)) || 0) + 1);
  }
  const outDir = tempDir('reelcut-chaos-out-');
  let outputs = 0;
  const unlogged = new Set(); // objects whose write the proxy finished as it was killed
  for (const j of jobs) {
    const ai = JSON.parse(done.get(j.JobId).JobResult.AiResult);
    const items = j.type === 'highlights' ? ai.Highlights : ai.Segments;
    assert.ok(items.length >= 1, `job ${j.i}: ${JSON.stringify(ai)}`);
    if (j.type === 'segmentation') assert.equal(items.length, 2);
    for (const it of items) {
      const objKey = `chaos/${j.i}/${it.Index}.mp4`;
      assert.equal(it.MediaURL, `oss://media-out/${objKey}`);
      // Once by the log; or, for a write the proxy finished as it was being stopped (before it
      // logged the request), not at all: then the object must be this job's (its tag), which the
      // job's next attempt found and kept instead of writing it again.
      const n = completed.get(objKey) || 0;
      assert.ok(n <= 1, `${objKey} written ${n} times`);
      if (n === 0) {
        const head = s3curl(['-I', `${s3.S3_ENDPOINT}/media-out/${objKey}`]);
        assert.match(head, new RegExp(`x-amz-meta-reelcut-tag: ${j.JobId}`, 'i'), head);
        unlogged.add(objKey);
      }
      const file = join(outDir, `${j.i}_${it.Index}.mp4`);
      s3curl(['-o', file, `${s3.S3_ENDPOINT}/media-out/${objKey}`]);
      const info = ffprobe(file);
      assert.ok(info.streams.some((s) => s.codec_type === 'video'), objKey);
      assert.ok(Math.abs(Number(info.format.duration) - it.Duration) < 0.15,
        `${objKey}: ${info.format.duration} s, AiResult says ${it.Duration}`);
      outputs++;
    }
  }
  cleanup(outDir);
  assert.ok(unlogged.size <= 4, `${unlogged.size} writes missing from the access log`);
  const listing = s3curl([`${s3.S3_ENDPOINT}/media-out?list-type=2&max-keys=1000&prefix=chaos%2F`]);
  assert.equal((listing.match(/<Key>/g) || []).length, outputs, 'objects nobody asked for');

  // No incomplete multipart upload - except Swift's marker of a CompleteMultipartUpload the proxy
  // carried out as it was killed (the object is whole and was kept; aborting the marker would
  // delete its segments: docs/deploy.md), which only an object missing from the log can have.
  const uploads = s3curl([`${s3.S3_ENDPOINT}/media-out?uploads=`]);
  const left = [...uploads.matchAll(/<Upload><Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
  for (const k of left) assert.ok(unlogged.has(k), `incomplete upload of ${k}: ${uploads}`);

  // The attempt records: one attempt Finished per job, none twice; the killed worker's attempt
  // never ended; every job had at least one attempt.
  const rows = psql('SELECT job_id, attempt, owner, COALESCE(outcome, \'\') FROM job_attempts ORDER BY job_id, attempt');
  const byJob = new Map();
  for (const [id, attempt, owner, outcome] of rows) {
    if (!byJob.has(id)) byJob.set(id, []);
    byJob.get(id).push({ attempt: Number(attempt), owner, outcome });
  }
  let retried = 0;
  for (const j of jobs) {
    const a = byJob.get(j.JobId) || [];
    assert.equal(a.filter((x) => x.outcome === 'Finished').length, 1, `job ${j.i}: ${JSON.stringify(a)}`);
    assert.ok(a.every((x) => ['Finished', ''].includes(x.outcome)), JSON.stringify(a));
    if (a.length > 1) retried++;
  }
  const killedAttempts = rows.filter((r) => r[2].split(':')[1] === String(killedPid));
  assert.ok(killedAttempts.length >= 1, 'the killed worker held a job');
  for (const r of killedAttempts) assert.notEqual(r[3], 'Finished', `killed worker finished ${r[0]}`);
  const logs = workers.map((w) => w.log).join('');
  const kept = (logs.match(/was stored by an earlier attempt; kept/g) || []).length;
  const aborted = (logs.match(/aborted \d+ incomplete upload/g) || []).length;
  say(`${outputs} outputs checked; ${retried} job(s) needed more than one attempt; ` +
    `${kept} output(s) kept from an earlier attempt; ${aborted} stale upload(s) aborted; ` +
    `${unlogged.size} write(s) finished as the proxy stopped`);

  // Every callback delivered, saying Finished.
  for (const j of jobs) {
    const got = callbacks.get(`/cb/${j.i}`);
    assert.ok(got && got.length >= 1, `no callback for job ${j.i}`);
    const body = JSON.parse(got[got.length - 1]);
    assert.equal(JSON.stringify(body).includes(j.JobId), true, got[0]);
  }

  // No temp files left in any data dir (the killed worker's came back and cleaned its own).
  for (const d of [apiDir, ...workerDirs]) {
    const left = files(d).filter((f) => !/\/keys\.json$/.test(f));
    assert.deepEqual(left, [], `left in ${d}`);
  }
  for (const d of [apiDir, ...workerDirs]) cleanup(d);
});
