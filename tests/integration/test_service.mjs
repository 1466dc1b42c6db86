// The running service driven by the official IMS client core: submit -> poll -> Finished with clips
// present and playable, with both signature styles; every validation failure returns the documented
// Code and HTTP status, and the client raises its ClientError with that code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, ffprobe, cleanup,
} from '../client/harness.mjs';

let dir, server, key, acs3, rpc;

before(async () => {
  dir = tempDir();
  key = createKey(dir);
  makeBucket(dir, 'media-in', { 'videos/sample.mp4': join(MEDIA, 'sample.mp4'), 'empty.mp4': '/dev/null' });
  makeBucket(dir, 'media-out');
  server = await startServer({ dataDir: dir, workers: 2 });
  acs3 = client(server, key);
  rpc = client(server, key, 'v2');
});

after(async () => {
  if (server) await server.stop();
  cleanup(dir);
});

for (const [name, c] of [['ACS3-HMAC-SHA256', () => acs3], ['HMAC-SHA1 (v2)', () => rpc]]) {
  test(`UserDefined segmentation with export, signed ${name}`, async () => {
    const sub = await c().call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 1, Out: 3.5 }, { In: 6, Out: 9 }] },
      OutputConfig: { Bucket: 'media-out', ObjectKey: `${name.length}/part_{index}.mp4` },
      UserData: { ticket: 'T-1' },
    });
    assert.match(sub.JobId, /^[0-9a-f]{32}$/);
    assert.match(sub.RequestId, /^[0-9A-F-]{36}$/);
    const job = await waitForJob(c(), sub.JobId);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
    assert.equal(job.Progress, 100);
    assert.equal(job.UserData, '{"ticket":"T-1"}');
    assert.equal(typeof job.JobResult.AiResult, 'string');
    const ai = JSON.parse(job.JobResult.AiResult);
    assert.equal(ai.Mode, 'UserDefined');
    assert.equal(ai.Segments.length, 2);
    assert.deepEqual(ai.Segments.map((s) => [s.Index, s.In, s.Out]), [[1, 1, 3.5], [2, 6, 9]]);
    assert.equal(ai.Segments[0].MediaURL, `oss://media-out/${name.length}/part_1.mp4`);
    assert.equal(job.JobResult.MediaUrl, ai.Segments[0].MediaURL);
    for (const s of ai.Segments) {
      const file = join(dir, 'buckets', 'media-out', `${name.length}/part_${s.Index}.mp4`);
      assert.ok(existsSync(file), file);
      const info = ffprobe(file);
      const v = info.streams.find((st) => st.codec_type === 'video');
      assert.ok(v, 'has video');
      assert.ok(Math.abs(Number(info.format.duration) - s.Duration) < 0.15,
        `duration ${info.format.duration} vs ${s.Duration}`);
    }
    assert.equal(job.SmartJobInfo.JobType, 'Segmentation');
    assert.equal(job.SmartJobInfo.UserId, '1000');
    assert.equal(job.SmartJobInfo.InputConfig.InputFile, 'oss://media-in/videos/sample.mp4');
    assert.equal(job.SmartJobInfo.OutputConfig.Bucket, 'media-out');
    assert.equal(job.SmartJobInfo.OutputConfig.Object, `${name.length}/part_{index}.mp4`);
  });
}

test('BasicClipSplit without export tiles the video', async () => {
  const sub = await acs3.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
  });
  const job = await waitForJob(acs3, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  const ai = JSON.parse(job.JobResult.AiResult);
  assert.equal(ai.Mode, 'BasicClipSplit');
  assert.ok(ai.Segments.length >= 3, `found ${ai.Segments.length} segments`);
  assert.equal(ai.Segments[0].In, 0);
  for (let i = 1; i < ai.Segments.length; i++) assert.equal(ai.Segments[i].In, ai.Segments[i - 1].Out);
  assert.ok(Math.abs(ai.Segments.at(-1).Out - ai.Duration) < 0.05);
  assert.equal(job.JobResult.MediaUrl, undefined);
});

test('a job whose input is missing fails alone with ResourceNotFound', async () => {
  const sub = await acs3.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/nope.mp4' },
  });
  const job = await waitForJob(acs3, sub.JobId);
  assert.equal(job.State, 'Failed');
  assert.equal(job.ErrorCode, 'InvalidParameter.ResourceNotFound');
  assert.match(job.ErrorMessage, /nope\.mp4/);
  assert.equal(job.JobResult, undefined);
});

test('a job whose input is not media fails with ResourceContentBad', async () => {
  const sub = await acs3.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/empty.mp4' },
  });
  const job = await waitForJob(acs3, sub.JobId);
  assert.equal(job.State, 'Failed');
  assert.equal(job.ErrorCode, 'InvalidParameter.ResourceContentBad');
  assert.match(job.ErrorMessage, /InputConfig\.Media|empty\.mp4/);
});

test('a range starting past the end fails the job with OutOfRange', async () => {
  const sub = await acs3.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 1 }, { In: 500, Out: 600 }] },
  });
  const job = await waitForJob(acs3, sub.JobId);
  assert.equal(job.State, 'Failed');
  assert.equal(job.ErrorCode, 'InvalidParameter.OutOfRange');
  assert.match(job.ErrorMessage, /JobParams\.Ranges\[1\]/);
});

// [params, HTTP status, Code, Message]
const invalid = [
  [{}, 400, 'MissingParameter', 'InputConfig is mandatory for this action.'],
  [{ InputConfig: '{"Type":' }, 400, 'InvalidParameter.JsonFormat', 'InputConfig is not a valid JSON object'],
  [{ InputConfig: '[1]' }, 400, 'InvalidParameter.JsonFormat', 'InputConfig is not a valid JSON object'],
  [{ InputConfig: { Type: 'OSS' } }, 400, 'InvalidParameter.EmptyValue', 'InputConfig.Media is mandatory for this action.'],
  [{ InputConfig: { Type: 'OSS', Media: 'oss://media-in/a.mp4' }, JobParams: { Mode: 'UserDefined', Ranges: [{ In: 5, Out: 2 }] } },
    400, 'InvalidParameter.OutOfRange', 'JobParams.Ranges[0].Out must be greater than JobParams.Ranges[0].In'],
  [{ InputConfig: { Type: 'OSS', Media: 'oss://media-in/a.mp4' }, JobParams: { Mode: 'UserDefined', Ranges: [{ In: '5', Out: 7 }] } },
    400, 'InvalidParameter.TypeMismatch', 'JobParams.Ranges[0].In must be a number'],
  [{ InputConfig: { Type: 'OSS', Media: 'oss://media-in/a.mp4' }, OutputConfig: {} },
    400, 'InvalidParameter.EmptyValue', 'OutputConfig.Bucket is mandatory for this action.'],
  [{ InputConfig: { Type: 'OSS', Media: 'oss://media-in/a.mp4' }, OutputConfig: { Bucket: 'media-out', ObjectKey: '../x.mp4' } },
    400, 'InvalidParameter.UnsupportedValue', null],
  [{ InputConfig: { Type: 'OSS', Media: 'oss://media-in/a.mp4' }, UserData: 'x'.repeat(10) },
    400, 'InvalidParameter.JsonFormat', 'UserData is not a valid JSON object'],
  [{ InputConfig: { Type: 'OSS', Media: 'oss://media-in/a.mp4' }, UserData: { k: 'x'.repeat(600) } },
    400, 'InvalidParameter.OutOfRange', 'UserData must be at most 512 bytes'],
];
for (const [params, status, code, message] of invalid) {
  test(`SubmitSegmentationJob rejects ${code}: ${message ?? JSON.stringify(params)}`, async () => {
    await assert.rejects(acs3.call('SubmitSegmentationJob', params), (e) => {
      assert.equal(e.name, 'ClientError', `${e.name}: ${e.message}`);
      assert.equal(e.code, code);
      assert.equal(e.statusCode, status);
      if (message) assert.equal(e.data.Message, message);
      assert.match(e.data.RequestId, /^[0-9A-F-]{36}$/);
      return true;
    });
  });
}

test('SubmitHighlightExtractionJob validates Strategy.Count', async () => {
  await assert.rejects(acs3.call('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/videos/sample.mp4' }], Strategy: { Count: 11 } },
  }), (e) => e.code === 'InvalidParameter.OutOfRange' && e.data.Message === 'InputConfig.Strategy.Count must be in [1,10]');
});

test('GetSmartHandleJob of an unknown job is 404 ResourceNotFound', async () => {
  await assert.rejects(acs3.call('GetSmartHandleJob', { JobId: 'b7e2c4a19f3d4e5c8a6b0d2f4e6a8c01' }),
    (e) => e.code === 'InvalidParameter.ResourceNotFound' && e.statusCode === 404);
});

test('wrong secret and unknown key are rejected', async () => {
  const bad = client(server, { AccessKeyId: key.AccessKeyId, AccessKeySecret: 'wrong' });
  await assert.rejects(bad.call('GetSmartHandleJob', { JobId: 'x' }), (e) => e.code === 'SignatureDoesNotMatch' && e.statusCode === 400);
  const badv2 = client(server, { AccessKeyId: key.AccessKeyId, AccessKeySecret: 'wrong' }, 'v2');
  await assert.rejects(badv2.call('GetSmartHandleJob', { JobId: 'x' }), (e) => e.code === 'SignatureDoesNotMatch');
  const unknown = client(server, { AccessKeyId: 'LTRCnobody', AccessKeySecret: 'x' });
  await assert.rejects(unknown.call('GetSmartHandleJob', { JobId: 'x' }), (e) => e.code === 'InvalidAccessKeyId.NotFound' && e.statusCode === 404);
});

test('ListSmartJobs lists the user\'s jobs with paging', async () => {
  const page1 = await acs3.call('ListSmartJobs', { JobType: 'Segmentation', PageSize: '2' });
  assert.equal(page1.SmartJobList.length, 2);
  assert.equal(page1.MaxResults, '2');
  assert.ok(Number(page1.TotalCount) >= 5);
  assert.equal(typeof page1.SmartJobList[0].UserId, 'number');
  assert.ok(page1.NextToken);
  const page2 = await acs3.call('ListSmartJobs', { JobType: 'Segmentation', NextToken: page1.NextToken, MaxResults: '2' });
  assert.equal(page2.SmartJobList.length, 2);
  const ids = new Set([...page1.SmartJobList, ...page2.SmartJobList].map((j) => j.JobId));
  assert.equal(ids.size, 4);
  const none = await acs3.call('ListSmartJobs', { JobType: 'ASR' });
  assert.deepEqual(none.SmartJobList, []);
});

test('20 concurrent identical submissions with one ClientToken create exactly one job', async () => {
  const params = {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/videos/sample.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 1 }] },
    ClientToken: 'tok-' + Date.now(),
  };
  const results = await Promise.all(Array.from({ length: 20 }, () => acs3.call('SubmitSegmentationJob', params)));
  const ids = new Set(results.map((r) => r.JobId));
  assert.equal(ids.size, 1);
  const requestIds = new Set(results.map((r) => r.RequestId));
  assert.equal(requestIds.size, 20);
  await assert.rejects(acs3.call('SubmitSegmentationJob', { ...params, JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 2 }] } }),
    (e) => e.code === 'IdempotentParameterMismatch');
});
