// kill -9 of the server while jobs run: after a restart every job reaches Finished, none runs twice
// at the same time, nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, ffprobe, cleanup,
} from '../client/harness.mjs';

test('jobs survive kill -9 of the server', async () => {
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  makeBucket(dir, 'media-out');
  const env = { REELCUT_JOBS_LEASE_SECONDS: '3' };
  let server = await startServer({ dataDir: dir, workers: 2, env });
  let c = client(server, key);
  const ids = [];
  for (let i = 0; i < 6; i++) {
    const sub = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0.5, Out: 11.5 }] },
      OutputConfig: { Bucket: 'media-out', ObjectKey: `crash/${i}/{index}.mp4`, Width: 320 },
    });
    ids.push(sub.JobId);
  }
  // Wait until at least one job is Executing, then kill the server without warning.
  const deadline = Date.now() + 30000;
  for (;;) {
    const states = await Promise.all(ids.map((id) => c.call('GetSmartHandleJob', { JobId: id })));
    if (states.some((s) => s.State === 'Executing')) break;
    assert.ok(Date.now() < deadline, 'no job started executing');
    await new Promise((r) => setTimeout(r, 50));
  }
  const firstLog = server.log();
  await server.stop('SIGKILL');

  server = await startServer({ dataDir: dir, workers: 2, env });
  c = client(server, key);
  try {
    for (const id of ids) {
      const job = await waitForJob(c, id, 180000);
      assert.equal(job.State, 'Finished', JSON.stringify(job));
      const ai = JSON.parse(job.JobResult.AiResult);
      assert.equal(ai.Segments.length, 1);
      const file = join(dir, 'buckets', 'media-out', ai.Segments[0].MediaURL.replace('oss://media-out/', ''));
      assert.ok(existsSync(file), file);
      const v = ffprobe(file).streams.find((s) => s.codec_type === 'video');
      assert.equal(v.width, 320);
    }
    // Each job finished exactly once, in either process.
    const log = firstLog + server.log();
    for (const id of ids) {
      const finished = log.split('\n').filter((l) => l.includes(`job ${id}: Finished`));
      assert.equal(finished.length, 1, `job ${id} finished ${finished.length} times`);
    }
  } finally {
    await server.stop();
    cleanup(dir);
  }
});

test('SIGTERM releases a running job at once when the grace period is over', async () => {
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  makeBucket(dir, 'media-out');
  // A long lease: if the job were not released, a restarted server would wait 120 s for it.
  const env = { REELCUT_JOBS_LEASE_SECONDS: '120', REELCUT_JOBS_SHUTDOWN_GRACE_SECONDS: '0' };
  let server = await startServer({ dataDir: dir, workers: 1, env });
  let c = client(server, key);
  const { JobId } = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0.5, Out: 11.5 }, { In: 0.2, Out: 11.9 }] },
    OutputConfig: { Bucket: 'media-out', ObjectKey: 'term/{index}.mp4', Width: 480 },
  });
  for (;;) {
    const s = await c.call('GetSmartHandleJob', { JobId });
    if (s.State === 'Executing') break;
    assert.equal(s.State, 'Created');
    await new Promise((r) => setTimeout(r, 20));
  }
  const code = await server.stop('SIGTERM');
  assert.equal(code, 0);
  assert.match(server.log(), new RegExp(`job ${JobId}: interrupted by shutdown; lease released`));

  server = await startServer({ dataDir: dir, workers: 1, env });
  c = client(server, key);
  try {
    const job = await waitForJob(c, JobId, 60000);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
  } finally {
    await server.stop();
    cleanup(dir);
  }
});

test('SIGTERM while submissions are in flight: every answered one is kept, the server exits 0', async () => {
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  let server = await startServer({ dataDir: dir, workers: 0 });
  let c = client(server, key);
  const answered = [];
  let failed = 0;
  let stopping = null;
  const submitter = async (w) => {
    for (let i = 0; i < 200; i++) {
      try {
        const { JobId } = await c.call('SubmitSegmentationJob', {
          InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
          JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 1 }] },
          UserData: JSON.stringify({ w, i }),
        });
        answered.push(JobId);
      } catch (e) {
        failed++; // the server is going away: refused or reset connections
        if (stopping) return;
      }
      if (answered.length === 300 && !stopping) stopping = server.stop('SIGTERM');
    }
  };
  await Promise.all(Array.from({ length: 24 }, (_, w) => submitter(w)));
  const code = await (stopping ?? server.stop('SIGTERM'));
  assert.equal(code, 0, server.log());
  assert.doesNotMatch(server.log(), /panic|Assertion|suspended/i);
  assert.ok(answered.length >= 300, `only ${answered.length} answered`);

  server = await startServer({ dataDir: dir, workers: 0 });
  c = client(server, key);
  try {
    for (const JobId of answered) {
      const job = await c.call('GetSmartHandleJob', { JobId });
      assert.equal(job.State, 'Created', JobId);
    }
    const page = await c.call('ListSmartJobs', { PageSize: '1' });
    assert.ok(Number(page.TotalCount) >= answered.length, JSON.stringify(page).slice(0, 300));
  } finally {
    await server.stop();
    cleanup(dir);
  }
});
