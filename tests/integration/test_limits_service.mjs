// The [limits] of the running service (issue 11 item 9) through the official client: an 8192x8192
// input fails its job with ResourceContentBad naming the size and the setting (never a server
// path), media registration ends PrepareFailed, REELCUT_LIMITS_MAX_PIXELS reaches the workers, and
// a header declaring 4294967 s over 2 s of media is segmented by what it holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, cleanup,
} from '../client/harness.mjs';

const L = join(MEDIA, 'limits');
const OVER = 'video is 8192x8192 (67.1 Mpx), over the limit of 8.9 Mpx (limits.max_pixels)';
let dir, server, key, c;

before(async () => {
  dir = tempDir();
  key = createKey(dir);
  makeBucket(dir, 'media-in', {
    'huge.mp4': join(L, 'huge.mp4'), 'huge.ts': join(L, 'huge.ts'), 'grows.ts': join(L, 'grows.ts'),
    'declared.mp4': join(L, 'declared.mp4'),
  });
  server = await startServer({ dataDir: dir, workers: 1 });
  c = client(server, key);
});

after(async () => {
  if (server) await server.stop();
  cleanup(dir);
});

function assertRefused(job, pattern) {
  assert.equal(job.State, 'Failed', JSON.stringify(job));
  assert.equal(job.ErrorCode, 'InvalidParameter.ResourceContentBad');
  assert.ok(job.ErrorMessage.includes(pattern), job.ErrorMessage);
  assert.ok(!job.ErrorMessage.includes(dir), `a server path in "${job.ErrorMessage}"`);
}

for (const [file, msg] of [['huge.mp4', OVER], ['huge.ts', OVER],
  ['grows.ts', OVER.replace('video is', 'video changes size mid-stream to')]]) {
  test(`segmentation of ${file} fails with ResourceContentBad`, async () => {
    const sub = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: `oss://media-in/${file}` },
    });
    assertRefused(await waitForJob(c, sub.JobId), msg);
  });
}

test('highlights of an 8192x8192 input fail naming the input', async () => {
  const sub = await c.call('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/huge.ts' }] },
  });
  assertRefused(await waitForJob(c, sub.JobId), `InputConfig.MediaArray[0] (oss://media-in/huge.ts): ${OVER}`);
});

test('registering an 8192x8192 input ends PrepareFailed', async () => {
  const reg = await c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/huge.mp4' });
  let r;
  for (let i = 0; i < 200; i++) {
    r = await c.call('GetMediaInfo', { MediaId: reg.MediaId });
    if (r.MediaInfo.MediaBasicInfo.Status !== 'Preparing') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(r.MediaInfo.MediaBasicInfo.Status, 'PrepareFailed');
  const why = /PrepareFailed: .*video is 8192x8192 .*limits\.max_pixels/;
  for (let i = 0; i < 50 && !why.test(server.log()); i++) await new Promise((res) => setTimeout(res, 100));
  assert.match(server.log(), why); // the log line may trail the stored status through the pipe
});

test('a header declaring 4294967 s over 2 s of media: segments end at 2 s', async () => {
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/declared.mp4' },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  const ai = JSON.parse(job.JobResult.AiResult);
  assert.equal(ai.Duration, 2);
  assert.equal(ai.Segments.at(-1).Out, 2);
  const ranged = await waitForJob(c, (await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/declared.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 1 }, { In: 3, Out: 4 }] },
  })).JobId);
  assert.equal(ranged.State, 'Failed');
  assert.equal(ranged.ErrorCode, 'InvalidParameter.OutOfRange');
  assert.match(ranged.ErrorMessage, /JobParams\.Ranges\[1\]\.In \(3\.000 s\) is at or past the end .*\(2\.000 s\)/);
});

test('REELCUT_LIMITS_MAX_PIXELS reaches the workers', async () => {
  const d = tempDir();
  const k = createKey(d);
  makeBucket(d, 'media-in', { 'declared.mp4': join(L, 'declared.mp4') });
  const srv = await startServer({ dataDir: d, workers: 1, env: { REELCUT_LIMITS_MAX_PIXELS: '65536' } });
  try {
    const cl = client(srv, k);
    const sub = await cl.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/declared.mp4' },
    });
    const job = await waitForJob(cl, sub.JobId);
    assert.equal(job.State, 'Failed', JSON.stringify(job));
    assert.equal(job.ErrorCode, 'InvalidParameter.ResourceContentBad');
    assert.ok(job.ErrorMessage.includes('video is 320x240 (0.08 Mpx), over the limit of 0.07 Mpx (limits.max_pixels)'),
      job.ErrorMessage);
  } finally {
    await srv.stop();
    cleanup(d);
  }
});
