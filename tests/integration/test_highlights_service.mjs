// SubmitHighlightExtractionJob through the official client: clips per input with Score, Rank and
// Reasons, exported into the bucket; a missing input fails the job naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, ffprobe, cleanup,
} from '../client/harness.mjs';

let dir, server, c;

before(async () => {
  dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'match.mp4': join(MEDIA, 'hl_match.mp4'), 'short.mp4': join(MEDIA, 'hl_short.mp4') });
  makeBucket(dir, 'media-out');
  server = await startServer({ dataDir: dir, workers: 1 });
  c = client(server, key);
});

after(async () => {
  if (server) await server.stop();
  cleanup(dir);
});

test('two inputs, two clips each where possible, exported', async () => {
  const reg = await c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/short.mp4' });
  const sub = await c.call('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/match.mp4' }, { MediaId: reg.MediaId }], Strategy: { Count: 2, ClipDuration: 6 } },
    OutputConfig: { NeedExport: true, Bucket: 'media-out', ObjectKey: 'hl/{index}.mp4', Width: 320 },
  });
  const job = await waitForJob(c, sub.JobId, 240000);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  assert.equal(job.SmartJobInfo.JobType, 'HighlightExtraction');
  assert.equal(job.SmartJobInfo.InputConfig.InputFile, 'oss://media-in/match.mp4');
  const ai = JSON.parse(job.JobResult.AiResult);
  const first = ai.Highlights.filter((h) => h.SourceIndex === 0);
  const second = ai.Highlights.filter((h) => h.SourceIndex === 1);
  assert.equal(first.length, 2, job.JobResult.AiResult);
  assert.ok(second.length >= 1, job.JobResult.AiResult);
  assert.deepEqual(ai.Highlights.map((h) => h.Index), ai.Highlights.map((_, i) => i + 1));
  for (const h of first) {
    assert.equal(h.SourceMediaURL, 'oss://media-in/match.mp4');
    assert.ok(h.Duration >= 3 && h.Duration <= 9, `duration ${h.Duration}`);
    assert.ok(h.Score >= 0 && h.Score <= 1);
    for (const k of ['Speech', 'Loudness', 'Motion', 'CutRate']) assert.ok(h.Reasons[k] >= 0 && h.Reasons[k] <= 1, k);
  }
  assert.deepEqual(first.map((h) => h.Rank).sort(), [1, 2]);
  assert.equal(second[0].SourceMediaId, reg.MediaId);
  for (const h of ai.Highlights) {
    assert.equal(h.MediaURL, `oss://media-out/hl/${h.Index}.mp4`);
    const file = join(dir, 'buckets', 'media-out', 'hl', `${h.Index}.mp4`);
    assert.ok(existsSync(file), file);
    assert.equal(ffprobe(file).streams.find((s) => s.codec_type === 'video').width, 320);
  }
  assert.equal(job.JobResult.MediaUrl, 'oss://media-out/hl/1.mp4');
});

test('a missing input fails the job and names it', async () => {
  const sub = await c.call('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/match.mp4' }, { MediaURL: 'oss://media-in/gone.mp4' }] },
  });
  const job = await waitForJob(c, sub.JobId, 120000);
  assert.equal(job.State, 'Failed');
  assert.equal(job.ErrorCode, 'InvalidParameter.ResourceNotFound');
  assert.match(job.ErrorMessage, /MediaArray\[1\]/);
});
