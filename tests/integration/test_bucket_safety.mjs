// Issue 11 items 6-8 through the running service and the official client: an output that would
// replace one of the job's inputs is refused at submission (URL and MediaId inputs); symbolic
// links in local bucket folders are never followed (a job reading or writing through one fails
// and nothing outside the bucket changes); failed jobs name their input as oss://... or the URL
// the caller gave, with the parameter path, and never a path of the server's data dir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, cleanup,
} from '../client/harness.mjs';

let dir, server, key, c, files, port, keysBefore;

before(async () => {
  dir = tempDir();
  key = createKey(dir);
  keysBefore = readFileSync(join(dir, 'keys.json'), 'utf8');
  writeFileSync(join(dir, 'words.txt'), 'not a video, only words\n');
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret.mp4'), 'outside bytes');
  const sample = join(MEDIA, 'sample.mp4');
  const bin = makeBucket(dir, 'media-in', {
    'sample.mp4': sample, 'x_1.mp4': sample, 'zero.mp4': '/dev/null', 'notmedia.mp4': join(dir, 'words.txt'),
  });
  const bout = makeBucket(dir, 'media-out');
  symlinkSync(join(dir, 'keys.json'), join(bin, 'keys.mp4'));
  symlinkSync(join(dir, 'outside'), join(bin, 'out'));
  symlinkSync(join(dir, 'outside'), join(bout, 'escape'));
  symlinkSync(sample, join(bin, 'alias.mp4'));
  symlinkSync(join(dir, 'outside'), join(dir, 'buckets', 'linked'));
  files = http.createServer((req, res) => {
    const serve = { '/zero.mp4': '/dev/null', '/notmedia.mp4': join(dir, 'words.txt') }[req.url.split('?')[0]];
    if (!serve) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'video/mp4' });
    createReadStream(serve).pipe(res);
  });
  await new Promise((r) => files.listen(0, '127.0.0.1', r));
  port = files.address().port;
  server = await startServer({ dataDir: dir, workers: 2, env: { REELCUT_INPUTS_ALLOWED_HOSTS: '127.0.0.1' } });
  c = client(server, key);
});

after(async () => {
  if (server) await server.stop();
  if (files) files.close();
  cleanup(dir);
});

const RANGES = { Mode: 'UserDefined', Ranges: [{ In: 0, Out: 1 }, { In: 2, Out: 3 }] };

function sameAsSample(rel) {
  return readFileSync(join(dir, 'buckets', rel)).equals(readFileSync(join(MEDIA, 'sample.mp4')));
}

// Nothing outside the buckets was written: keys.json as created, outside/ as made.
function outsideUntouched() {
  assert.equal(readFileSync(join(dir, 'keys.json'), 'utf8'), keysBefore);
  assert.deepEqual(readdirSync(join(dir, 'outside')), ['secret.mp4']);
  assert.equal(readFileSync(join(dir, 'outside', 'secret.mp4'), 'utf8'), 'outside bytes');
}

function noLocalPath(job) {
  assert.ok(!job.ErrorMessage.includes(dir), `local path in: ${job.ErrorMessage}`);
  assert.ok(!job.ErrorMessage.includes('/tmp/'), `local path in: ${job.ErrorMessage}`);
}

async function rejected(action, params, code, pattern) {
  await assert.rejects(c.call(action, params), (e) => {
    assert.equal(e.code, code, e.data?.Message);
    assert.match(e.data.Message, pattern);
    return true;
  });
}

test('an output that would replace an input is refused at submission (item 6)', async () => {
  await rejected('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/x_1.mp4' },
    OutputConfig: { Bucket: 'media-in', ObjectKey: 'x.mp4' },
  }, 'InvalidParameter', /^OutputConfig\.ObjectKey value "x\.mp4" is not allowed: output 1 \(oss:\/\/media-in\/x_1\.mp4\) would replace InputConfig\.Media$/);
  await rejected('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/sample.mp4' }, { MediaURL: 'oss://media-in/x_1.mp4' }] },
    OutputConfig: { NeedExport: true, Bucket: 'media-in', ObjectKey: 'x_{index}.mp4' },
  }, 'InvalidParameter', /OutputConfig\.ObjectKey.*oss:\/\/media-in\/x_1\.mp4.*InputConfig\.MediaArray\[1\]\.MediaURL/);
  const reg = await c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/x_1.mp4' });
  await rejected('SubmitSegmentationJob', {
    InputConfig: { Type: 'Media', Media: reg.MediaId },
    OutputConfig: { Bucket: 'media-in', ObjectKey: 'x.mp4' },
  }, 'InvalidParameter', /OutputConfig\.ObjectKey.*oss:\/\/media-in\/x_1\.mp4.*InputConfig\.Media/);
  await rejected('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaId: reg.MediaId }] },
    OutputConfig: { NeedExport: true, Bucket: 'media-in', ObjectKey: 'x.mp4' },
  }, 'InvalidParameter', /OutputConfig\.ObjectKey.*oss:\/\/media-in\/x_1\.mp4.*InputConfig\.MediaArray\[0\]\.MediaId/);
  // The same input with outputs beside it runs, and the input is intact.
  const sub = await c.call('SubmitSegmentationJob', {
    InputConfig: { Type: 'OSS', Media: 'oss://media-in/x_1.mp4' },
    JobParams: RANGES,
    OutputConfig: { Bucket: 'media-in', ObjectKey: 'x_1/part.mp4' },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Finished', JSON.stringify(job));
  assert.ok(existsSync(join(dir, 'buckets/media-in/x_1/part_2.mp4')));
  assert.ok(sameAsSample('media-in/x_1.mp4'));
});

test('jobs never follow a symbolic link in a local bucket (item 7)', async () => {
  const cases = [
    // [input, output, ErrorCode, message pattern]
    ['oss://media-in/keys.mp4', undefined, 'InvalidParameter.ResourceNotFound', /InputConfig\.Media.*oss:\/\/media-in\/keys\.mp4.*symbolic link/],
    ['oss://media-in/out/secret.mp4', undefined, 'InvalidParameter.ResourceNotFound', /oss:\/\/media-in\/out\/secret\.mp4.*symbolic link/],
    ['oss://media-in/alias.mp4', undefined, 'InvalidParameter.ResourceNotFound', /oss:\/\/media-in\/alias\.mp4.*symbolic link/],
    ['oss://media-in/sample.mp4', { Bucket: 'media-out', ObjectKey: 'escape/new/x.mp4' }, 'OutputWriteFailed', /oss:\/\/media-out\/escape\/new\/x_1\.mp4.*symbolic link/],
    ['oss://media-in/sample.mp4', { Bucket: 'media-out', ObjectKey: 'escape/secret.mp4' }, 'OutputWriteFailed', /symbolic link/],
  ];
  for (const [media, output, code, pattern] of cases) {
    const sub = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: media }, JobParams: RANGES, ...(output ? { OutputConfig: output } : {}),
    });
    const job = await waitForJob(c, sub.JobId);
    assert.equal(job.State, 'Failed', JSON.stringify(job));
    assert.equal(job.ErrorCode, code, job.ErrorMessage);
    assert.match(job.ErrorMessage, pattern);
    noLocalPath(job);
    outsideUntouched();
  }
  // A bucket folder that is a link is no bucket.
  await rejected('SubmitSegmentationJob', { InputConfig: { Type: 'OSS', Media: 'oss://linked/secret.mp4' } },
    'InvalidParameter.UnsupportedValue', /no storage backend is configured for bucket "linked"/);
  outsideUntouched();
});

test('failed jobs name their input, never a path of the server (item 8)', async () => {
  const cases = [
    ['oss://media-in/zero.mp4', /^InputConfig\.Media \(oss:\/\/media-in\/zero\.mp4\) is empty$/],
    ['oss://media-in/notmedia.mp4', /^InputConfig\.Media \(oss:\/\/media-in\/notmedia\.mp4\) is not readable media/],
    [`http://127.0.0.1:${port}/zero.mp4?sig=secret`, new RegExp(`^InputConfig\\.Media \\(http://127\\.0\\.0\\.1:${port}/zero\\.mp4\\) is empty$`)],
    [`http://127.0.0.1:${port}/notmedia.mp4`, new RegExp(`^InputConfig\\.Media \\(http://127\\.0\\.0\\.1:${port}/notmedia\\.mp4\\) is not readable media`)],
  ];
  for (const [media, pattern] of cases) {
    for (const params of [RANGES, undefined]) {
      const sub = await c.call('SubmitSegmentationJob', {
        InputConfig: { Type: 'OSS', Media: media }, ...(params ? { JobParams: params } : {}),
      });
      const job = await waitForJob(c, sub.JobId);
      assert.equal(job.State, 'Failed', JSON.stringify(job));
      assert.equal(job.ErrorCode, 'InvalidParameter.ResourceContentBad');
      assert.match(job.ErrorMessage, pattern);
      noLocalPath(job);
    }
  }
  const sub = await c.call('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/sample.mp4' }, { MediaURL: `http://127.0.0.1:${port}/notmedia.mp4` }] },
  });
  const job = await waitForJob(c, sub.JobId);
  assert.equal(job.State, 'Failed', JSON.stringify(job));
  assert.match(job.ErrorMessage, /^InputConfig\.MediaArray\[1\] \(http:\/\/127\.0\.0\.1:\d+\/notmedia\.mp4\)/);
  noLocalPath(job);
});
