// Media assets through the official client: RegisterMediaInfo probes in the background,
// GetMediaInfo answers in the documented shapes (every value a string), jobs take MediaId inputs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, cleanup,
} from '../client/harness.mjs';

let dir, server, c;

before(async () => {
  dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4'), 'bad.mp4': '/etc/hostname' });
  server = await startServer({ dataDir: dir, workers: 1 });
  c = client(server, key);
});

after(async () => {
  if (server) await server.stop();
  cleanup(dir);
});

async function waitForMedia(params) {
  for (let i = 0; i < 200; i++) {
    const r = await c.call('GetMediaInfo', params);
    if (r.MediaInfo.MediaBasicInfo.Status !== 'Preparing') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('media stayed Preparing');
}

function allStrings(obj, path = '') {
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v)) v.forEach((x, i) => allStrings(x, `${path}.${k}[${i}]`));
    else if (v && typeof v === 'object') allStrings(v, `${path}.${k}`);
    else assert.equal(typeof v, 'string', `${path}.${k} is ${typeof v}`);
  }
}

test('RegisterMediaInfo -> Normal with stream details, by MediaId and by InputURL', async () => {
  const reg = await c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/sample.mp4', Title: 'Sample', ReferenceId: 'sample-001' });
  assert.match(reg.MediaId, /^[0-9a-f]{32}$/);
  const r = await waitForMedia({ MediaId: reg.MediaId });
  const info = r.MediaInfo;
  allStrings(info);
  assert.equal(info.MediaBasicInfo.Status, 'Normal');
  assert.equal(info.MediaBasicInfo.MediaType, 'video');
  assert.equal(info.MediaBasicInfo.Source, 'oss');
  assert.equal(info.MediaBasicInfo.Title, 'Sample');
  const file = info.FileInfoList[0];
  assert.equal(file.FileBasicInfo.FileName, 'sample.mp4');
  assert.equal(file.FileBasicInfo.FileUrl, 'oss://media-in/sample.mp4');
  assert.ok(Math.abs(Number(file.FileBasicInfo.Duration) - 12) < 0.1);
  assert.equal(file.VideoStreamInfoList[0].CodecName, 'h264');
  assert.equal(file.VideoStreamInfoList[0].Width, '640');
  assert.equal(file.VideoStreamInfoList[0].Nb_frames, file.VideoStreamInfoList[0].NumFrames);
  assert.equal(file.AudioStreamInfoList[0].CodecName, 'aac');
  const byUrl = await c.call('GetMediaInfo', { InputURL: 'oss://media-in/sample.mp4' });
  assert.equal(byUrl.MediaInfo.MediaId, reg.MediaId);
  // Same InputURL again without Overwrite: the same MediaId.
  const again = await c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/sample.mp4' });
  assert.equal(again.MediaId, reg.MediaId);
  // A job on the MediaId.
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'Media', Media: reg.MediaId },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 2 }] },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  assert.equal(job.SmartJobInfo.InputConfig.InputFile, reg.MediaId);
  await assert.rejects(c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/bad.mp4', ReferenceId: 'sample-001' }),
    (e) => e.code === 'InvalidParameter.ResourceAlreadyExists');
});

test('a file that is not media ends PrepareFailed without FileInfoList', async () => {
  const reg = await c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/bad.mp4' });
  const r = await waitForMedia({ MediaId: reg.MediaId });
  assert.equal(r.MediaInfo.MediaBasicInfo.Status, 'PrepareFailed');
  assert.equal(r.MediaInfo.FileInfoList, undefined);
});

test('unknown media and missing parameters', async () => {
  await assert.rejects(c.call('GetMediaInfo', { MediaId: '0123456789abcdef0123456789abcdef' }),
    (e) => e.code === 'InvalidParameter.ResourceNotFound' && e.statusCode === 404);
  await assert.rejects(c.call('GetMediaInfo', {}),
    (e) => e.code === 'MissingParameter' && e.data.Message === 'MediaId is mandatory for this action.');
  await assert.rejects(c.call('SubmitSegmentationJob', { InputConfig: { Type: 'Media', Media: '0123456789abcdef0123456789abcdef' } }),
    (e) => e.code === 'InvalidParameter.ResourceNotFound' && e.statusCode === 404);
});

test('ExportAsNewMedia registers every output as a new media asset', async () => {
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
    JobParams: { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 2 }, { In: 3, Out: 5 }] },
    OutputConfig: { Bucket: 'media-in', ObjectKey: 'assets/part_{index}.mp4', ExportAsNewMedia: true },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  const ai = JSON.parse(job.JobResult.AiResult);
  assert.equal(ai.Segments.length, 2);
  for (const s of ai.Segments) assert.match(s.MediaId, /^[0-9a-f]{32}$/);
  assert.equal(job.JobResult.MediaId, ai.Segments[0].MediaId);
  const r = await waitForMedia({ MediaId: ai.Segments[1].MediaId });
  assert.equal(r.MediaInfo.MediaBasicInfo.InputURL, 'oss://media-in/assets/part_2.mp4');
  assert.equal(r.MediaInfo.MediaBasicInfo.Status, 'Normal');
  assert.ok(Math.abs(Number(r.MediaInfo.FileInfoList[0].FileBasicInfo.Duration) - 2) < 0.2);
});
