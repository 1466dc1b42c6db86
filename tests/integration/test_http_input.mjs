// http(s) inputs: downloaded only from hosts the configuration allows, with the failure named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { MEDIA, tempDir, createKey, startServer, client, waitForJob, cleanup } from '../client/harness.mjs';

test('a job reads its input from an allowed http host; other hosts are refused at submission', async () => {
  const files = http.createServer((req, res) => {
    if (req.url === '/sample.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      createReadStream(join(MEDIA, 'sample.mp4')).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => files.listen(0, '127.0.0.1', r));
  const port = files.address().port;
  const dir = tempDir();
  const key = createKey(dir);
  const server = await startServer({ dataDir: dir, workers: 1, env: { REELCUT_INPUTS_ALLOWED_HOSTS: '127.0.0.1' } });
  const c = client(server, key);
  try {
    const ok = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: `http://127.0.0.1:${port}/sample.mp4` },
      JobParams: { Mode: 'UserDefined', Ranges: [{ In: 1, Out: 2 }] },
    });
    const job = await waitForJob(c, ok.JobId);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
    assert.equal(JSON.parse(job.JobResult.AiResult).Duration, 12);

    const missing = await c.call('SubmitSegmentationJob', { InputConfig: { Type: 'OSS', Media: `http://127.0.0.1:${port}/gone.mp4` } });
    const failed = await waitForJob(c, missing.JobId);
    assert.equal(failed.State, 'Failed');
    assert.equal(failed.ErrorCode, 'InvalidParameter.ResourceNotFound');
    assert.match(failed.ErrorMessage, /InputConfig\.Media.*gone\.mp4/);

    await assert.rejects(c.call('SubmitSegmentationJob', { InputConfig: { Type: 'OSS', Media: 'http://example.com/x.mp4' } }),
      (e) => e.code === 'InvalidParameter.UnsupportedValue' && /InputConfig\.Media/.test(e.data.Message));
  } finally {
    await server.stop();
    files.close();
    cleanup(dir);
  }
});
