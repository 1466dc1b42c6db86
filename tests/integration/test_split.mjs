// One long input, many workers: a segmentation job whose input is cut into analysis parts
// ([jobs] split_seconds) that separate `reelcut worker` processes claim; one of them is killed
// (SIGKILL) while it holds a part, whose lease then runs out and the part is run again. The
// AiResult equals the single-pass result of `reelcut segment` on the same file. Then the same job
// with an export: its segments are exported in parts by the workers, each object once; and a
// highlight job of three inputs, analysed one input a part, whose clips equal the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, MEDIA, tempDir, createKey, makeBucket, startServer, startWorker, client, waitForJob, ffprobe,
  cleanup,
} from '../client/harness.mjs';

const until = async (what, cond, ms = 60000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a long input analysed in parts by several workers equals one pass, a killed worker included', async () => {
  const dir = tempDir();
  const key = createKey(dir);
  // 64 s: the 16 s test file four times over (stream copy: keyframes every second)
  const long = join(dir, 'long.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-stream_loop', '3',
    '-i', join(MEDIA, 'parts_h264.mp4'), '-c', 'copy', long]);
  makeBucket(dir, 'media-in', {
    'long.mp4': long,
    ...Object.fromEntries(['talk', 'match', 'film'].map((n) => [`hl_${n}.mp4`, join(MEDIA, `hl_${n}.mp4`)])),
  });
  makeBucket(dir, 'media-out');
  const env = { REELCUT_JOBS_SPLIT_SECONDS: '4', REELCUT_JOBS_LEASE_SECONDS: '2' };
  const server = await startServer({ dataDir: dir, workers: 0, env });
  const c = client(server, key);
  const workers = [];
  try {
    const { JobId } = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/long.mp4' },
      JobParams: { Mode: 'BasicClipSplit' },
    });
    // A claims the job and queues its parts; B joins; B is killed holding a part; C joins.
    workers.push(startWorker({ dataDir: dir, env }));
    await until('worker A to take the job', () => workers[0].log().includes(`job ${JobId} (Segmentation): attempt 1 started`));
    workers.push(startWorker({ dataDir: dir, env }));
    await until('worker B to take a part', () => /\(~AnalysisPart\): attempt \d started/.test(workers[1].log()));
    await workers[1].stop('SIGKILL');
    const killed = workers[1].log().match(/job ([0-9a-f]{32}) \(~AnalysisPart\): attempt \d started/g)
      .map((l) => l.slice(4, 36));
    workers.push(startWorker({ dataDir: dir, env }));
    const job = await waitForJob(c, JobId, 300000);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
    const ai = JSON.parse(job.JobResult.AiResult);

    const logA = workers[0].log();
    const parts = logA.match(/analysed in (\d+) parts \((\d+) frames\)/);
    assert.ok(parts, logA);
    assert.equal(Number(parts[1]), 16); // keyframes at 4, 8, ... 60 s
    assert.equal(Number(parts[2]), 1604);
    assert.ok(!logA.includes('do not join'), logA);

    // what B held when it died was run again by A or C (unless B had finished it)
    const last = killed[killed.length - 1];
    const others = logA + workers[2].log();
    if (!workers[1].log().includes(`job ${last}: Finished`))
      assert.match(others, new RegExp(`job ${last} \\(~AnalysisPart\\): attempt 2 started`));
    if (process.env.SPLIT_DEBUG) console.log(logA, workers[1].log(), workers[2].log());

    // the same segments as one pass over the file
    const one = JSON.parse(execFileSync(BIN, ['segment', long], { encoding: 'utf8' }));
    assert.equal(ai.Duration, one.Duration);
    assert.ok(ai.Segments.length >= 20, JSON.stringify(ai)); // 5 cuts in each 16 s
    assert.deepEqual(ai.Segments.map((s) => [s.In, s.Out]), one.Segments.map((s) => [s.In, s.Out]));
    // a thumbnail per segment, sampled by the parts as one pass would: the analysis keeps a picture
    // every second (JOBS_THUMB_EVERY_S), so every segment of a second or more has one (none is
    // decoded again); a shorter one may fall between two
    for (const s of ai.Segments) assert.match(s.ThumbnailKey, new RegExp(`^~jobs/${JobId}/thumb/${s.Index}\\.jpg$`));
    const thumbs = logA.match(new RegExp(`job ${JobId}: (\\d+) thumbnails, (\\d+) of them sampled`));
    assert.ok(thumbs, logA);
    assert.equal(Number(thumbs[1]), ai.Segments.length);
    const seconds = ai.Segments.filter((s) => s.Out - s.In >= 1).length;
    assert.ok(Number(thumbs[2]) >= seconds && seconds >= 16, `${thumbs[0]}; ${seconds} segments of 1 s or more`);

    // exported: the segments fan out as export parts over the workers still alive
    const exp = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/long.mp4' },
      JobParams: { Mode: 'BasicClipSplit' },
      OutputConfig: { Bucket: 'media-out', ObjectKey: 'split/{index}.mp4' },
    });
    const done = await waitForJob(c, exp.JobId, 300000);
    assert.equal(done.State, 'Finished', JSON.stringify(done));
    const segs = JSON.parse(done.JobResult.AiResult).Segments;
    assert.deepEqual(segs.map((s) => [s.In, s.Out]), one.Segments.map((s) => [s.In, s.Out]));
    const logs = workers.map((w) => w.log()).join('');
    const fan = logs.match(new RegExp(`job ${exp.JobId}: exported (\\d+) segments in (\\d+) parts`));
    assert.ok(fan && Number(fan[1]) === segs.length && Number(fan[2]) >= 8, logs);
    const objects = readdirSync(join(dir, 'buckets', 'media-out', 'split')).sort();
    assert.equal(objects.length, segs.length);
    for (const s of segs) {
      assert.equal(s.MediaURL, `oss://media-out/split/${s.Index}.mp4`);
      const f = ffprobe(join(dir, 'buckets', 'media-out', 'split', `${s.Index}.mp4`));
      assert.ok(Math.abs(Number(f.format.duration) - (s.Out - s.In)) < 0.1, JSON.stringify([s, f.format]));
    }
    // an export part that cannot store its output fails the job, and nothing it exported stays:
    // a folder stands where segment 7 would go
    mkdirSync(join(dir, 'buckets', 'media-out', 'fail', '7.mp4'), { recursive: true });
    const bad = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/long.mp4' },
      JobParams: { Mode: 'BasicClipSplit' },
      OutputConfig: { Bucket: 'media-out', ObjectKey: 'fail/{index}.mp4' },
    });
    const failed = await waitForJob(c, bad.JobId, 300000);
    assert.equal(failed.State, 'Failed', JSON.stringify(failed));
    assert.equal(failed.ErrorCode, 'OutputWriteFailed', JSON.stringify(failed));
    assert.deepEqual(readdirSync(join(dir, 'buckets', 'media-out', 'fail')), ['7.mp4']);

    // highlights: one part per input, run by the workers; the clips of the single-process CLI
    const hl = await c.call('SubmitHighlightExtractionJob', {
      InputConfig: {
        MediaArray: ['talk', 'match', 'film'].map((n) => ({ MediaURL: `oss://media-in/hl_${n}.mp4` })),
        Strategy: { Count: 2, ClipDuration: 6 },
      },
    });
    const hlJob = await waitForJob(c, hl.JobId, 300000);
    assert.equal(hlJob.State, 'Finished', JSON.stringify(hlJob));
    const hlLogs = workers.map((w) => w.log()).join('');
    assert.match(hlLogs, new RegExp(`job ${hl.JobId}: analysed 3 inputs in parts`));
    const cli = JSON.parse(execFileSync(BIN, ['highlights', '--count', '2', '--clip-duration', '6',
      ...['talk', 'match', 'film'].map((n) => join(MEDIA, `hl_${n}.mp4`))], { encoding: 'utf8' }));
    const pick = (h) => h.map((x) => [x.SourceIndex, x.In, x.Out, x.Score, x.Rank, JSON.stringify(x.Reasons)]);
    const got = JSON.parse(hlJob.JobResult.AiResult).Highlights;
    assert.ok(got.length >= 4, JSON.stringify(got));
    assert.deepEqual(pick(got), pick(cli.Highlights));

    // the job list shows the three jobs and nothing else
    const list = await c.call('ListSmartJobs', { PageSize: 100 });
    assert.deepEqual(list.SmartJobList.map((j) => j.JobId).sort(), [JobId, exp.JobId, bad.JobId, hl.JobId].sort());

    // no caller sees the parts: not in the list, not by id
    const listed = await c.call('ListSmartJobs', { JobType: '~AnalysisPart' }).catch((e) => e);
    assert.ok(!listed.SmartJobList || listed.SmartJobList.length === 0, JSON.stringify(listed));
  } finally {
    for (const w of workers) await w.stop();
    await server.stop();
    cleanup(dir);
  }
});

test('on PostgreSQL, workers sharing no disk: the worker holding the job dies, another takes it over and reuses the finished parts', async () => {
  const SRC = process.env.REELCUT_SRC || '.';
  const PG = join(SRC, 'tests/unit/store/pg_server.sh');
  const pgDir = tempDir('reelcut-pg-');
  chmodSync(pgDir, 0o755);
  execFileSync('bash', [PG, 'start', pgDir], { stdio: 'inherit' });
  const dir = tempDir();
  const key = createKey(dir);
  const media = tempDir('reelcut-split-media-');
  chmodSync(media, 0o755);
  const long = join(media, 'long.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-stream_loop', '3',
    '-i', join(MEDIA, 'parts_h264.mp4'), '-c', 'copy', long]);
  const env = {
    REELCUT_STORE_URL: `postgresql:///postgres?host=${pgDir}&port=5432&user=postgres`,
    REELCUT_JOBS_SPLIT_SECONDS: '4', REELCUT_JOBS_LEASE_SECONDS: '2',
    REELCUT_INPUTS_ALLOW_LOCAL_PATHS: 'true', REELCUT_INPUTS_ALLOWED_ROOTS: media,
  };
  const server = await startServer({ dataDir: dir, workers: 0, env });
  const c = client(server, key);
  const workers = [];
  try {
    const { JobId } = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: `file://${long}` }, JobParams: { Mode: 'BasicClipSplit' },
    });
    // A takes the job, runs a few parts itself, and dies; B takes the job over
    workers.push(startWorker({ dataDir: tempDir(), env }));
    await until('worker A to run three parts', () =>
      (workers[0].log().match(/\(~AnalysisPart\): attempt 1 started here/g) || []).length >= 3);
    await workers[0].stop('SIGKILL');
    workers.push(startWorker({ dataDir: tempDir(), env }));
    const job = await waitForJob(c, JobId, 300000);
    assert.equal(job.State, 'Finished', JSON.stringify(job));
    const logB = workers[1].log();
    assert.match(logB, new RegExp(`job ${JobId} \\(Segmentation\\): attempt 2 started`));
    assert.match(logB, new RegExp(`job ${JobId}: analysed in 16 parts \\(1604 frames\\)`));
    // the parts A finished were not analysed again
    const doneByA = (workers[0].log().match(/job ([0-9a-f]{32}) \(~AnalysisPart\): attempt 1 started here/g) || [])
      .map((l) => l.slice(4, 36)).slice(0, -1); // (the last may have died with A)
    assert.ok(doneByA.length >= 2);
    for (const id of doneByA) assert.ok(!logB.includes(`job ${id} (`), `part ${id} ran again`);
    const one = JSON.parse(execFileSync(BIN, ['segment', long], { encoding: 'utf8' }));
    assert.deepEqual(JSON.parse(job.JobResult.AiResult).Segments.map((s) => [s.In, s.Out]),
      one.Segments.map((s) => [s.In, s.Out]));
  } finally {
    for (const w of workers) await w.stop();
    await server.stop();
    execFileSync('bash', [PG, 'stop', pgDir], { stdio: 'inherit' });
    cleanup(pgDir);
    cleanup(media);
    cleanup(dir);
  }
});
