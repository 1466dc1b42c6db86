// bench/split: one long input analysed by 1 or 2 `reelcut worker` processes (issue 15, item 2).
// Usage: node bench/split/bench.mjs BUILD_DIR WORK_DIR  (run.sh makes the media and calls this)
// Each run: a fresh data dir, `reelcut serve --workers 0`, N workers, one BasicClipSplit job on
// WORK_DIR/long.mp4; prints wall time (submit to Finished), the workers' CPU seconds, the parts,
// and whether the segments equal the first run's (the single pass).
import { readFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  tempDir, createKey, startServer, startWorker, client, waitForJob, cleanup,
} from '../../tests/client/harness.mjs';

const work = resolve(process.argv[3]); // (argv[2], the build, gives REELCUT to run.sh)
const TICK = 100; // clock ticks per second (getconf CLK_TCK on Linux)

function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK; // utime, stime
  } catch { return NaN; }
}

async function run(file, workers, split, threads) {
  const dir = tempDir('reelcut-split-');
  const key = createKey(dir);
  mkdirSync(join(dir, 'buckets', 'media-in'), { recursive: true });
  copyFileSync(file, join(dir, 'buckets', 'media-in', 'long.mp4'));
  const env = { REELCUT_JOBS_SPLIT_SECONDS: String(split) };
  if (threads) env.REELCUT_LIMITS_CODEC_THREADS = String(threads); // decoder threads of a job
  const server = await startServer({ dataDir: dir, workers: 0, env });
  const c = client(server, key);
  const ws = Array.from({ length: workers }, () => startWorker({ dataDir: dir, env }));
  let job, wall, cpu, logs;
  try {
    await new Promise((r) => setTimeout(r, 500)); // the workers are up
    const t0 = Date.now();
    const { JobId } = await c.call('SubmitSegmentationJob', {
      InputConfig: { Type: 'OSS', Media: 'oss://media-in/long.mp4' }, JobParams: { Mode: 'BasicClipSplit' },
    });
    job = await waitForJob(c, JobId, 3 * 3600 * 1000);
    wall = (Date.now() - t0) / 1000;
    cpu = ws.reduce((s, w) => s + cpuSeconds(w.proc.pid), 0);
    logs = ws.map((w) => w.log()).join('');
    // LOGS=DIR keeps each run's worker logs (to see where a run's time went)
    if (process.env.LOGS) {
      mkdirSync(process.env.LOGS, { recursive: true });
      ws.forEach((w, i) => writeFileSync(join(process.env.LOGS, `w${workers}-${split}-${threads || 0}-${i}.log`), w.log()));
    }
  } finally {
    for (const w of ws) await w.stop();
    await server.stop();
    cleanup(dir);
  }
  const m = logs.match(/analysed in (\d+) parts/);
  if (job.State !== 'Finished') throw new Error(JSON.stringify(job));
  const ai = JSON.parse(job.JobResult.AiResult);
  return { wall, cpu, parts: m ? Number(m[1]) : 1, segments: JSON.stringify(ai.Segments.map((s) => [s.In, s.Out])), n: ai.Segments.length };
}

const long = join(work, 'long.mp4');
const rows = [];
const plan = (process.env.PLAN || '1:0,1:120,2:120').split(',').map((s) => s.split(':').map(Number));
let base;
for (const [workers, split, threads] of plan) {
  const r = await run(long, workers, split, threads);
  base ??= r;
  rows.push(r);
  console.log(`${workers} worker process(es), split_seconds ${String(split).padStart(4)}` +
    `${threads ? `, ${threads} decoder thread(s)` : ''}: ` +
    `wall ${r.wall.toFixed(1).padStart(6)} s (${(r.wall / base.wall).toFixed(2)}x the first), ` +
    `CPU ${r.cpu.toFixed(1).padStart(6)} s, ${r.parts} part(s), ${r.n} segments, ` +
    `same segments as the first: ${r.segments === base.segments ? 'yes' : 'NO'}`);
}
if (rows.some((r) => r.segments !== base.segments)) process.exit(1);
