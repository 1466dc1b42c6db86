// The service on S3 storage: `reelcut serve` configured for a real OpenStack Swift with s3api
// (tests/s3/swift.sh) runs a SubmitSegmentationJob whose input is read from S3 and whose clips are
// written to S3 (checked on the server with curl --aws-sigv4), routes one bucket to local folders
// (storage.buckets), reports a missing S3 object as ResourceNotFound and wrong S3 credentials as
// InputReadFailed naming oss://bucket/key without the secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, ffprobe, cleanup,
  s3curl as s3curlIn,
} from '../client/harness.mjs';

const SRC = process.env.REELCUT_SRC || '.';
const SWIFT = join(SRC, 'tests/s3/swift.sh');
let dir, swiftDir, s3, server, key, c;

function s3env() {
  const env = {};
  for (const line of readFileSync(join(swiftDir, 'env'), 'utf8').split('\n')) {
    const m = line.match(/^(\w+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

// curl --aws-sigv4 against the Swift server (credentials from a netrc: the key id has a colon).
function s3curl(args, opts) {
  return s3curlIn(swiftDir, s3.S3_REGION, args, opts);
}

function serverEnv(overrides = {}) {
  return {
    REELCUT_STORAGE_DEFAULT: 's3',
    REELCUT_STORAGE_BUCKETS: 'local-out:fs',
    REELCUT_S3_ENDPOINT: s3.S3_ENDPOINT,
    REELCUT_S3_REGION: s3.S3_REGION,
    REELCUT_S3_ACCESS_KEY_ID: s3.S3_ACCESS_KEY_ID,
    REELCUT_S3_SECRET_ACCESS_KEY: s3.S3_SECRET_ACCESS_KEY,
    // A storage failure is tried again (service.md#jobs): soon, so the failing cases end soon.
    REELCUT_JOBS_RETRY_SECONDS: '1',
    ...overrides,
  };
}

before(async () => {
  dir = tempDir();
  swiftDir = tempDir('reelcut-swift-');
  execFileSync('bash', [SWIFT, 'start', swiftDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  s3 = s3env();
  s3curl(['-X', 'PUT', `${s3.S3_ENDPOINT}/media-in`]);
  s3curl(['-X', 'PUT', `${s3.S3_ENDPOINT}/media-out`]);
  s3curl(['-T', join(MEDIA, 'sample.mp4'), `${s3.S3_ENDPOINT}/media-in/videos/sample.mp4`]);
  key = createKey(dir);
  makeBucket(dir, 'local-out');
  server = await startServer({ dataDir: dir, workers: 2, env: serverEnv() });
  c = client(server, key);
});

after(async () => {
  if (server) await server.stop();
  if (swiftDir) {
    execFileSync('bash', [SWIFT, 'stop', swiftDir]);
    cleanup(swiftDir);
  }
  if (dir) cleanup(dir);
});

test('segmentation reads its input from S3 and writes its clips to S3', async () => {
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 1, Out: 3.5 }, { In: 6, Out: 9 }] },
    OutputConfig: { Bucket: 'media-out', ObjectKey: 'clips/part_{index}.mp4' },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  const ai = JSON.parse(job.JobResult.AiResult);
  assert.equal(ai.Segments.length, 2);
  for (const s of ai.Segments) {
    assert.equal(s.MediaURL, `oss://media-out/clips/part_${s.Index}.mp4`);
    const file = join(dir, `fetched_${s.Index}.mp4`);
    s3curl(['-o', file, `${s3.S3_ENDPOINT}/media-out/clips/part_${s.Index}.mp4`]);
    const info = ffprobe(file);
    assert.ok(info.streams.some((st) => st.codec_type === 'video'), 'has video');
    assert.ok(Math.abs(Number(info.format.duration) - s.Duration) < 0.15,
      `duration ${info.format.duration} vs ${s.Duration}`);
  }
  // Nothing was written to the local folders for S3 buckets, and no input temp file is left.
  assert.equal(existsSync(join(dir, 'buckets', 'media-out')), false);
  const listing = s3curl([`${s3.S3_ENDPOINT}/media-out?list-type=2`]).body;
  assert.equal((listing.match(/<Key>/g) || []).length, 2, listing);
});

test('an S3 input is read with ranged GETs, not downloaded: moov at the end, one range exported', async () => {
  s3curl(['-T', join(MEDIA, 'moov_end.mp4'), `${s3.S3_ENDPOINT}/media-in/videos/moov_end.mp4`]);
  const size = statSync(join(MEDIA, 'moov_end.mp4')).size;
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/moov_end.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 14, Out: 16.5 }] },
    OutputConfig: { Bucket: 'media-out', ObjectKey: 'ranged/part_{index}.mp4' },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  const file = join(dir, 'fetched_ranged.mp4');
  s3curl(['-o', file, `${s3.S3_ENDPOINT}/media-out/ranged/part_1.mp4`]);
  assert.ok(Math.abs(Number(ffprobe(file).format.duration) - 2.5) < 0.15);
  // The executor logs what the reader fetched when the job's input is closed.
  const m = server.log().match(/input oss:\/\/media-in\/videos\/moov_end\.mp4: read (\d+) of (\d+) bytes/);
  assert.ok(m, 'the ranged reader was used');
  assert.equal(Number(m[2]), size);
  assert.ok(Number(m[1]) < size / 2, `fetched ${m[1]} of ${size} bytes`);
  assert.doesNotMatch(server.log(), /moov_end\.mp4.*temp-file download/);
});

test('a bucket routed to fs (storage.buckets) gets clips of an S3 input as local files', async () => {
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 2 }] },
    OutputConfig: { Bucket: 'local-out', ObjectKey: 'x/{index}.mp4' },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  const file = join(dir, 'buckets', 'local-out', 'x', '1.mp4');
  assert.ok(existsSync(file), file);
  assert.ok(Number(ffprobe(file).format.duration) > 1.5);
  assert.equal(s3curl([`${s3.S3_ENDPOINT}/local-out`], { allowFail: true }).status, 404);
});

test('a missing S3 object fails the job with ResourceNotFound naming it', async () => {
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/nope.mp4' },
    OutputConfig: { Bucket: 'media-out', ObjectKey: 'never/{index}.mp4' },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Failed');
  assert.equal(job.ErrorCode, 'InvalidParameter.ResourceNotFound');
  assert.match(job.ErrorMessage, /oss:\/\/media-in\/videos\/nope\.mp4/);
});

test('wrong S3 credentials fail the job with InputReadFailed, never showing the secret', async () => {
  const secret = 'not-the-secret-31337';
  const dir2 = tempDir();
  const key2 = createKey(dir2);
  makeBucket(dir2, 'local-out');
  const srv = await startServer({ dataDir: dir2, env: serverEnv({
    REELCUT_S3_SECRET_ACCESS_KEY: secret, REELCUT_S3_MAX_ATTEMPTS: '1' }) });
  try {
    const c2 = client(srv, key2);
    // Submission makes no storage call for an S3 bucket; the job finds the credentials wrong.
    const sub = await c2.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
      OutputConfig: { Bucket: 'local-out', ObjectKey: 'y/{index}.mp4' },
    });
    const job = await waitForJob(c2, sub.JobId);
    assert.equal(job.State, 'Failed');
    assert.equal(job.ErrorCode, 'InputReadFailed', JSON.stringify(job));
    assert.match(job.ErrorMessage, /media-in/);
    assert.doesNotMatch(JSON.stringify(job), new RegExp(secret));
    assert.doesNotMatch(srv.log(), new RegExp(secret));
  } finally {
    await srv.stop();
    cleanup(dir2);
  }
});

test('serve refuses an s3 storage without an endpoint, naming the setting', async () => {
  const dir3 = tempDir();
  try {
    await assert.rejects(startServer({ dataDir: dir3, env: { REELCUT_STORAGE_DEFAULT: 's3',
      REELCUT_S3_ENDPOINT: '' } }), /s3\.endpoint is required/);
  } finally {
    cleanup(dir3);
  }
});

test('OutputConfig.Endpoint sends one job\'s clips to another S3 endpoint, only where allowed', async () => {
  await assert.rejects(c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
    OutputConfig: { Bucket: 'media-out', ObjectKey: 'e/{index}.mp4', Endpoint: s3.S3_ENDPOINT },
  }), (e) => e.code === 'InvalidParameter.UnsupportedValue' && /OutputConfig\.Endpoint/.test(e.data.Message));

  // The configured endpoint is dead; only the job's Endpoint reaches the S3 server, which is on
  // loopback: a job may name it only because the operator names its host.
  const dir4 = tempDir();
  const key4 = createKey(dir4);
  makeBucket(dir4, 'local-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  const overrideEnv = {
    REELCUT_S3_ENDPOINT: 'http://127.0.0.1:9', REELCUT_S3_MAX_ATTEMPTS: '1',
    REELCUT_STORAGE_BUCKETS: 'local-in:fs', REELCUT_STORAGE_ALLOW_ENDPOINT_OVERRIDE: 'true' };
  const unnamed = await startServer({ dataDir: dir4, env: serverEnv(overrideEnv) });
  try {
    await assert.rejects(client(unnamed, key4).call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://local-in/sample.mp4' },
      OutputConfig: { Bucket: 'media-out', ObjectKey: 'e/{index}.mp4', Endpoint: s3.S3_ENDPOINT },
    }), (e) => e.code === 'InvalidParameter.UnsupportedValue'
      && /OutputConfig\.Endpoint .*internal \(loopback, private or reserved\) address/.test(e.data.Message));
  } finally {
    await unnamed.stop();
  }
  const srv = await startServer({ dataDir: dir4, env: serverEnv({ ...overrideEnv,
    REELCUT_STORAGE_ENDPOINT_ALLOW_HOSTS: new URL(s3.S3_ENDPOINT).hostname }) });
  try {
    const c4 = client(srv, key4);
    const sub = await c4.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://local-in/sample.mp4' },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 2 }] },
      OutputConfig: { Bucket: 'media-out', ObjectKey: 'override/{index}.mp4', Endpoint: s3.S3_ENDPOINT },
    });
    const job = await waitForJob(c4, sub.JobId);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
    const file = join(dir4, 'override_1.mp4');
    s3curl(['-o', file, `${s3.S3_ENDPOINT}/media-out/override/1.mp4`]);
    assert.ok(ffprobe(file).streams.some((st) => st.codec_type === 'video'));
    // Without the Endpoint the same job goes to the dead configured endpoint and fails there.
    const dead = await c4.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://local-in/sample.mp4' },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 2 }] },
      OutputConfig: { Bucket: 'media-out', ObjectKey: 'dead/{index}.mp4' },
    });
    const failed = await waitForJob(c4, dead.JobId, 120000);
    assert.equal(failed.State, 'Failed');
    assert.equal(failed.ErrorCode, 'OutputWriteFailed', JSON.stringify(failed));
  } finally {
    await srv.stop();
    cleanup(dir4);
  }
});

test('highlight extraction reads from S3 and exports its clips to S3', async () => {
  const sub = await c.call('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/videos/sample.mp4' }], Strategy: { Count: 1, ClipDuration: 4 } },
    OutputConfig: { NeedExport: true, Bucket: 'media-out', ObjectKey: 'hl/{index}.mp4' },
  });
  const job = await waitForJob(c, sub.JobId, 120000);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  const ai = JSON.parse(job.JobResult.AiResult);
  assert.equal(ai.Highlights.length, 1, job.JobResult.AiResult);
  assert.equal(ai.Highlights[0].MediaURL, 'oss://media-out/hl/1.mp4');
  const file = join(dir, 'hl_1.mp4');
  s3curl(['-o', file, `${s3.S3_ENDPOINT}/media-out/hl/1.mp4`]);
  const info = ffprobe(file);
  assert.ok(Math.abs(Number(info.format.duration) - ai.Highlights[0].Duration) < 0.15);
});
