// The service on PostgreSQL (the scale-out store), end to end with the official client: a job
// submitted and run to Finished with its clip, concurrent identical ClientToken submissions making
// one job, and a job read by a second server on the same database (another API node); a
// `reelcut worker`'s health endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, ffprobe, cleanup,
} from '../client/harness.mjs';

const SRC = process.env.REELCUT_SRC || '.';
const PG = join(SRC, 'tests/unit/store/pg_server.sh');
const pgDir = tempDir('reelcut-pg-');
chmodSync(pgDir, 0o755);
const url = `postgresql:///postgres?host=${pgDir}&port=5432&user=postgres`;

before(() => {
  execFileSync('bash', [PG, 'start', pgDir], { stdio: 'inherit' });
});

after(() => {
  execFileSync('bash', [PG, 'stop', pgDir], { stdio: 'inherit' });
  cleanup(pgDir);
});

test('on PostgreSQL: submit, run, poll to Finished; one job per ClientToken; a second API node reads it', async () => {
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  makeBucket(dir, 'media-out');
  const env = { REELCUT_STORE_URL: url };
  const server = await startServer({ dataDir: dir, workers: 1, env });
  const dir2 = tempDir();
  let other;
  try {
    assert.match(server.log(), /store postgresql/);
    const c = client(server, key);
    const { JobId } = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 1, Out: 3 }] },
      OutputConfig: { Bucket: 'media-out', ObjectKey: 'pg/{index}.mp4' },
    });
    const job = await waitForJob(c, JobId, 60000);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
    const clip = join(dir, 'buckets/media-out/pg/1.mp4');
    assert.ok(existsSync(clip));
    assert.ok(Math.abs(Number(ffprobe(clip).format.duration) - 2) < 0.1);

    const params = {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 1 }] },
      ClientToken: 'pg-tok-' + Date.now(),
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => c.call('SubmitSegmentationJob', params)));
    assert.equal(new Set(results.map((r) => r.JobId)).size, 1);

    // another API node (no workers) on the same database, with the same key
    execFileSync('cp', [join(dir, 'keys.json'), join(dir2, 'keys.json')]);
    other = await startServer({ dataDir: dir2, workers: 0, env });
    const seen = await client(other, key).call('GetSmartHandleJob', { JobId });
    assert.equal(seen.State, 'Finished');
    assert.equal(seen.JobId, JobId);
  } finally {
    if (other) await other.stop();
    await server.stop();
    cleanup(dir);
    cleanup(dir2);
  }
});

test('reelcut worker --health-listen answers /healthz (503 while the database is away) and /metrics', async () => {
  const dir = tempDir();
  const proc = spawn(BIN, ['worker', '--data-dir', dir, '--workers', '1', '--health-listen', '127.0.0.1:0'], {
    env: { ...process.env, REELCUT_LOG: 'info', REELCUT_STORE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const get = (port, path) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
  try {
    const deadline = Date.now() + 20000;
    while (!/worker health on .*\(port (\d+)\)/.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const port = Number(log.match(/worker health on .*\(port (\d+)\)/)?.[1]);
    assert.ok(port > 0, log);
    const ok = await get(port, '/healthz');
    assert.equal(ok.status, 200, ok.body);
    const health = JSON.parse(ok.body);
    assert.equal(health.Status, 'OK');
    assert.equal(health.Workers, 1);
    assert.equal(health.BusyWorkers, 0);
    const metrics = await get(port, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.type, /^text\/plain/);
    assert.match(metrics.body, /^reelcut_worker_threads 1$/m);
    assert.match(metrics.body, /^reelcut_worker_busy_threads 0$/m);
    assert.match(metrics.body, /^reelcut_jobs_/m);
    assert.equal((await get(port, '/nope')).status, 404);
    // The database away: not ready; back: ready again, by itself.
    execFileSync('bash', [PG, 'stop', pgDir], { stdio: 'inherit' });
    const down = await get(port, '/healthz');
    assert.equal(down.status, 503, down.body);
    assert.equal(JSON.parse(down.body).Status, 'Unavailable');
    execFileSync('bash', [PG, 'start', pgDir], { stdio: 'inherit' });
    let again = await get(port, '/healthz');
    const until = Date.now() + 20000;
    while (again.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      again = await get(port, '/healthz');
    }
    assert.equal(again.status, 200, again.body);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    cleanup(dir);
  }
});
