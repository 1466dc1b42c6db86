// The service on PostgreSQL (the scale-out store), end to end with the official client: a job
// submitted and run to Finished with its clip, concurrent identical ClientToken submissions making
// one job, and a job read by a second server on the same database (another API node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, ffprobe, cleanup,
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
