// The README's first job, run as a user would: examples/first-job.mjs against a fresh server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MEDIA, tempDir, createKey, makeBucket, startServer, cleanup } from '../client/harness.mjs';

test('examples/first-job.mjs submits, polls and finds the clips', async () => {
  const dir = tempDir();
  const key = createKey(dir);
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  makeBucket(dir, 'media-out');
  const server = await startServer({ dataDir: dir, workers: 1 });
  try {
    const script = join(process.env.REELCUT_SRC || '.', 'examples', 'first-job.mjs');
    const out = execFileSync('node', [script], {
      encoding: 'utf8',
      env: { ...process.env, REELCUT_ENDPOINT: server.endpoint, REELCUT_KEY_ID: key.AccessKeyId,
        REELCUT_KEY_SECRET: key.AccessKeySecret },
    });
    const urls = [...out.matchAll(/-> oss:\/\/media-out\/(\S+)/g)].map((m) => m[1]);
    assert.ok(urls.length >= 3, out);
    for (const u of urls) assert.ok(existsSync(join(dir, 'buckets', 'media-out', u)), u);
  } finally {
    await server.stop();
    cleanup(dir);
  }
});
