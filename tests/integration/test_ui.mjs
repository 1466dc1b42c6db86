// The dashboard (/ui/) in headless Chromium (Debian's chromium, driven by playwright-core), and the
// signed media URLs of local buckets over real HTTP: Range answers, refusals of tampered, expired
// and escaping URLs. Screenshots of each page go to $REELCUT_BUILD/ui-artefacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, symlinkSync, statSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import http from 'node:http';
import { join } from 'node:path';
import { launchBrowser } from '../client/browser.mjs';
import {
  MEDIA, tempDir, createKey, makeBucket, startServer, client, waitForJob, cleanup,
} from '../client/harness.mjs';

const ART = join(process.env.REELCUT_BUILD || 'build-test', 'ui-artefacts');
let dir, server, key, other, c, browser, page, base;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    r.on('error', reject);
    r.end();
  });
}

const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (x) => '%' + x.charCodeAt(0).toString(16).toUpperCase());
function signed(bucket, rawKey, expires, k = key, pathKey = rawKey.split('/').map(enc).join('/')) {
  const sig = createHmac('sha256', k.AccessKeySecret).update(`GET\n${bucket}\n${rawKey}\n${expires}`).digest('hex');
  return `/media/${bucket}/${pathKey}?Expires=${expires}&AccessKeyId=${k.AccessKeyId}&Signature=${sig}`;
}
const soon = () => Math.floor(Date.now() / 1000) + 600;

function expectDenied(r, status) {
  assert.equal(r.status, status, r.body.toString());
  const j = JSON.parse(r.body.toString());
  for (const k of ['RequestId', 'HostId', 'Code', 'Message', 'Recommend']) assert.ok(k in j, k);
  assert.doesNotMatch(j.Message, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.doesNotMatch(j.Message, /buckets|passwd|sample/);
  return j;
}

before(async () => {
  mkdirSync(ART, { recursive: true });
  dir = tempDir();
  key = createKey(dir);
  // a second user's key (keys.json by hand: `reelcut keys create` makes keys of the default user)
  const keysFile = join(dir, 'keys.json');
  const keys = JSON.parse(readFileSync(keysFile, 'utf8'));
  other = { AccessKeyId: 'LTAIotheruser000000000001', AccessKeySecret: 'other-user-secret-0123456789abcd', UserId: 4242, Enabled: true };
  keys.push(other);
  writeFileSync(keysFile, JSON.stringify(keys));
  makeBucket(dir, 'media-in', { 'sample.mp4': join(MEDIA, 'sample.mp4') });
  makeBucket(dir, 'media-out');
  symlinkSync('/etc/passwd', join(dir, 'buckets', 'media-in', 'link.mp4'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer({ dataDir: dir, workers: 1, extraArgs: ['--listen', `127.0.0.1:${port}`],
    env: { REELCUT_SERVER_PUBLIC_URL: base } });
  c = client(server, key);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  if (browser) await browser.close();
  // (a clean exit: no sanitizer report from the media and /ui/ paths)
  if (server) assert.equal(await server.stop(), 0, server.log().slice(-4000));
  cleanup(dir);
});

test('GetMediaInfo FileUrl is a signed media URL that answers Range requests', async () => {
  const reg = await c.call('RegisterMediaInfo', { InputURL: 'oss://media-in/sample.mp4' });
  let info;
  for (let i = 0; i < 200; i++) {
    info = (await c.call('GetMediaInfo', { MediaId: reg.MediaId, AuthTimeout: 120 })).MediaInfo;
    if (info.MediaBasicInfo.Status !== 'Preparing') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(info.MediaBasicInfo.Status, 'Normal');
  const url = new URL(info.FileInfoList[0].FileBasicInfo.FileUrl);
  assert.equal(url.origin, base);
  assert.equal(url.pathname, '/media/media-in/sample.mp4');
  const exp = Number(url.searchParams.get('Expires')) - Math.floor(Date.now() / 1000);
  assert.ok(exp > 100 && exp <= 121, `AuthTimeout 120 gave ${exp} s`);
  const file = readFileSync(join(MEDIA, 'sample.mp4'));
  const size = statSync(join(MEDIA, 'sample.mp4')).size;
  const path = url.pathname + url.search;

  const full = await get(path);
  assert.equal(full.status, 200);
  assert.equal(full.headers['content-type'], 'video/mp4');
  assert.equal(full.headers['accept-ranges'], 'bytes');
  assert.ok(full.body.equals(file));

  const head = await get(path, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers['content-length']), size);

  const first = await get(path, { Range: 'bytes=0-99' });
  assert.equal(first.status, 206);
  assert.equal(first.headers['content-range'], `bytes 0-99/${size}`);
  assert.equal(first.headers['content-length'], '100');
  assert.ok(first.body.equals(file.subarray(0, 100)));

  const mid = await get(path, { Range: `bytes=${size - 1000}-` });
  assert.equal(mid.status, 206);
  assert.ok(mid.body.equals(file.subarray(size - 1000)));
  const tail = await get(path, { Range: 'bytes=-10' });
  assert.equal(tail.headers['content-range'], `bytes ${size - 10}-${size - 1}/${size}`);
  assert.ok(tail.body.equals(file.subarray(size - 10)));

  const past = await get(path, { Range: `bytes=${size}-` });
  assert.equal(past.status, 416);
  assert.equal(past.headers['content-range'], `bytes */${size}`);
});

test('media URLs: tampered, expired, escaping, linked and missing are refused without detail', async () => {
  const good = signed('media-in', 'sample.mp4', soon());
  assert.equal((await get(good, { Range: 'bytes=0-0' })).status, 206);
  // tampered: one signature digit, the key, the expiry
  const flip = good.replace(/Signature=(.)/, (m, ch) => `Signature=${ch === '0' ? '1' : '0'}`);
  assert.equal(expectDenied(await get(flip), 403).Code, 'AccessDenied');
  expectDenied(await get(good.replace('sample.mp4', 'sample.mp5')), 403);
  expectDenied(await get(good.replace(/Expires=(\d+)/, (m, e) => `Expires=${Number(e) + 1}`)), 403);
  // expired (correctly signed)
  expectDenied(await get(signed('media-in', 'sample.mp4', Math.floor(Date.now() / 1000) - 5)), 403);
  // another key's signature
  expectDenied(await get(signed('media-in', 'sample.mp4', soon(), { ...key, AccessKeySecret: 'nope' })), 403);
  // `..`, raw and encoded, even when signed as such; encoded slashes
  expectDenied(await get(signed('media-in', '../media-out/x.mp4', soon(), key, '../media-out/x.mp4')), 403);
  expectDenied(await get(signed('media-in', '../../../../etc/passwd', soon(), key, '../../../../etc/passwd')), 403);
  expectDenied(await get(signed('media-in', '../x', soon(), key, '%2E%2E/x')), 403);
  expectDenied(await get(signed('media-in', 'a/../sample.mp4', soon(), key, 'a%2F..%2Fsample.mp4')), 403);
  // a link inside the bucket (to /etc/passwd), and a missing object: 404, signed or not alike
  const link = await get(signed('media-in', 'link.mp4', soon()));
  assert.equal(expectDenied(link, 404).Code, 'NoSuchKey');
  assert.doesNotMatch(link.body.toString(), /root:/);
  expectDenied(await get(signed('media-in', 'nothing.mp4', soon())), 404);
  expectDenied(await get(signed('no-such-bucket', 'sample.mp4', soon())), 404);
  // no signature at all
  expectDenied(await get('/media/media-in/sample.mp4'), 403);
});

async function shot(name) {
  await page.screenshot({ path: join(ART, `${name}.png`), fullPage: true });
}

async function signIn(secret) {
  await page.fill('#key-id', key.AccessKeyId);
  await page.fill('#key-secret', secret);
  await page.click('#signin button[type=submit]');
}

test('dashboard: sign-in, submit, progress, timeline, clip playback, highlights', async () => {
  const res = await page.goto(`${base}/ui/`);
  assert.equal(res.status(), 200);
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /media-src 'self' blob:/);
  assert.match(csp, /img-src 'self' data:/);
  assert.equal((await get('/ui')).status, 308);
  assert.equal((await get('/ui/nope.js')).status, 404);
  assert.match((await get('/ui/app.js')).headers['content-type'], /^text\/javascript/);
  const etag = (await get('/ui/app.js')).headers.etag;
  assert.equal((await get('/ui/app.js', { 'If-None-Match': etag })).status, 304);

  // A wrong secret is refused, in words.
  await page.waitForSelector('#signin');
  await signIn('not-the-secret');
  await page.waitForSelector('#signin-result .error');
  const err = await page.textContent('#signin-result .error');
  assert.match(err, /SignatureDoesNotMatch/);
  assert.match(err, /AccessKeySecret does not belong/);
  await shot('signin-refused');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('reelcut.key')), null);

  await signIn(key.AccessKeySecret);
  await page.waitForSelector('table.jobs');

  // Submit a segmentation job through the form; watch it reach 100 %.
  await page.goto(`${base}/ui/#/submit`);
  await page.waitForSelector('#submit');
  await page.selectOption('#job-type', 'Segmentation');
  await page.fill('#seg-input', 'oss://media-in/sample.mp4');
  await page.selectOption('#seg-mode', 'BasicClipSplit');
  await page.fill('#out-bucket', 'media-out');
  await page.fill('#out-key', 'ui/seg_{index}.mp4');
  await shot('submit');
  await page.click('#submit-job');
  await page.waitForURL(/#\/job\/[0-9a-f]{32}$/);
  const jobId = page.url().split('/').pop();
  await page.waitForFunction(() => document.querySelector('.progress-text')?.textContent === '100 %',
    null, { timeout: 180000 });
  assert.equal(await page.textContent('#job-state'), 'Finished');

  // Exactly one boundary marker per segment of the AiResult.
  await page.waitForSelector('.axis .segment');
  const ai = JSON.parse(await page.textContent('#raw-airesult'));
  assert.ok(ai.Segments.length >= 2, JSON.stringify(ai));
  assert.equal(await page.locator('.axis .boundary').count(), ai.Segments.length);
  assert.equal(await page.locator('.axis .segment').count(), ai.Segments.length);
  const api = await c.call('GetSmartHandleJob', { JobId: jobId });
  assert.deepEqual(JSON.parse(api.JobResult.AiResult), ai);
  // A thumbnail per segment, kept with the job ([ext] ThumbnailKey, docs/ui.md), drawn in every
  // block wide enough to show one (>= 1/60 of the axis), 160 px wide.
  for (const sgm of ai.Segments) assert.match(sgm.ThumbnailKey, new RegExp(`^~jobs/${jobId}/thumb/${sgm.Index}\\.jpg$`));
  const wide = ai.Segments.filter((sgm) => sgm.Out - sgm.In >= ai.Duration / 60).length;
  assert.ok(wide >= 1);
  await page.waitForFunction((n) => document.querySelectorAll('.axis img.thumb').length === n, wide, { timeout: 10000 });
  const widths = await page.locator('.axis img.thumb').evaluateAll((imgs) => Promise.all(imgs.map((i) =>
    i.complete ? i.naturalWidth : new Promise((ok) => { i.onload = () => ok(i.naturalWidth); i.onerror = () => ok(-1); }))));
  assert.deepEqual(widths, Array(wide).fill(160));
  // the artefact through a signed URL: the job's user gets the JPEG, another user's key, an
  // unknown name and a path out of the job get nothing
  const art = await get(signed('~jobs', `${jobId}/thumb/1.jpg`, soon()));
  assert.equal(art.status, 200);
  assert.equal(art.headers['content-type'], 'image/jpeg');
  assert.equal(art.body.subarray(0, 2).toString('hex'), 'ffd8');
  expectDenied(await get(signed('~jobs', `${jobId}/thumb/1.jpg`, soon(), other)), 404);
  expectDenied(await get(signed('~jobs', `${jobId}/thumb/999.jpg`, soon())), 404);
  expectDenied(await get(signed('~jobs', `${jobId}/../x.jpg`, soon(), key, `${jobId}/../x.jpg`)), 403);
  expectDenied(await get(signed('~jobs', 'nojob/thumb/1.jpg', soon())), 404);

  // Play an exported clip: it has a duration and its time advances.
  await page.waitForFunction(() => document.querySelector('video.clip-player')?.src, null, { timeout: 10000 });
  const played = await page.evaluate(async () => {
    const v = document.querySelector('video.clip-player');
    v.muted = true;
    await v.play();
    const t0 = Date.now();
    while (v.currentTime < 0.3 && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 100));
    return { duration: v.duration, currentTime: v.currentTime, error: v.error && v.error.message };
  });
  assert.equal(played.error, null);
  assert.ok(played.duration > 0, JSON.stringify(played));
  assert.ok(played.currentTime >= 0.3, JSON.stringify(played));
  // Clicking the timeline plays the source from there.
  const box = await page.locator('.axis').first().boundingBox();
  await page.mouse.click(box.x + box.width * 0.5, box.y + 4);
  await page.waitForFunction(() => document.querySelector('video.source-player')?.currentTime > 4, null, { timeout: 15000 });
  await page.click('details.raw summary');
  await shot('job-segmentation');

  // A highlight job (submitted through the SDK): its clips with their reasons.
  const sub = await c.call('SubmitHighlightExtractionJob', {
    InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/sample.mp4' }], Strategy: { Count: 2, ClipDuration: 4 } },
    OutputConfig: { NeedExport: true, Bucket: 'media-out', ObjectKey: 'ui/hl_{index}.mp4' },
  });
  const hl = await waitForJob(c, sub.JobId, 180000);
  assert.equal(hl.State, 'Finished', JSON.stringify(hl));
  const hlAi = JSON.parse(hl.JobResult.AiResult);
  assert.ok(hlAi.Highlights.length >= 1);
  await page.goto(`${base}/ui/#/job/${sub.JobId}`);
  await page.waitForSelector('.clip .reason');
  assert.equal(await page.locator('.axis .window').count(), hlAi.Highlights.length);
  assert.equal(await page.locator('.clip .reason').count(), 4 * hlAi.Highlights.length);
  const speech = await page.textContent(`.clip[data-index="${hlAi.Highlights[0].Index}"] .reason[data-reason="Speech"] .reason-value`);
  assert.equal(speech, hlAi.Highlights[0].Reasons.Speech.toFixed(2));
  // What the picker measured: the input's signal track ([ext] Sources[].SignalTrackKey) drawn as
  // curves at 2 points a second, its shots, a thumbnail per clip.
  assert.equal(hlAi.Sources.length, 1);
  assert.match(hlAi.Sources[0].SignalTrackKey, new RegExp(`^~jobs/${sub.JobId}/track/1\\.json$`));
  assert.ok(hlAi.Sources[0].Duration > 0 && Array.isArray(hlAi.Sources[0].Shots));
  await page.waitForSelector('svg[data-signal="Motion"]');
  const points = Number(await page.getAttribute('svg[data-signal="Motion"]', 'data-points'));
  assert.ok(Math.abs(points - Math.ceil(hlAi.Sources[0].Duration * 2)) <= 1, `${points} points`);
  for (const c2 of hlAi.Highlights) assert.match(c2.ThumbnailKey, new RegExp(`^~jobs/${sub.JobId}/thumb/1/\\d+\\.jpg$`));
  await shot('job-highlights');

  // The list: both jobs, filtered by type; finished ones at 100 %.
  await page.goto(`${base}/ui/#/jobs`);
  await page.waitForSelector(`tr[data-job="${jobId}"]`);
  await page.waitForSelector(`tr[data-job="${sub.JobId}"]`);
  await page.selectOption('#filter-type', 'HighlightExtraction');
  await page.waitForFunction((id) => !document.querySelector(`tr[data-job="${id}"]`) &&
    document.querySelectorAll('tr[data-job]').length === 1, jobId);
  assert.equal(await page.textContent(`tr[data-job="${sub.JobId}"] .progress-text`), '100 %');
  await shot('jobs');
});

test('dashboard: the job list pages through ListSmartJobs', async () => {
  for (let i = 0; i < 11; i++) {
    await c.call('SubmitHighlightExtractionJob', {
      InputConfig: { MediaArray: [{ MediaURL: 'oss://media-in/sample.mp4' }], Strategy: { Count: 1, ClipDuration: 3 } } });
  }
  const total = Number((await c.call('ListSmartJobs', { PageSize: 1 })).TotalCount);
  assert.ok(total >= 13);
  await page.goto(`${base}/ui/#/jobs`);
  await page.waitForFunction(() => document.querySelectorAll('tr[data-job]').length === 10);
  const first = await page.$$eval('tr[data-job]', (rows) => rows.map((r) => r.dataset.job));
  assert.equal(await page.locator('#prev').count(), 0);
  await page.click('#next');
  await page.waitForFunction((n) => document.querySelectorAll('tr[data-job]').length === n, total - 10);
  const second = await page.$$eval('tr[data-job]', (rows) => rows.map((r) => r.dataset.job));
  assert.equal(new Set([...first, ...second]).size, total);
  await page.click('#prev');
  await page.waitForFunction((id) => document.querySelector('tr[data-job]')?.dataset.job === id, first[0]);
  assert.equal(await page.locator('tr[data-job]').count(), 10);
});

// The engine does not write thumbnails and signal tracks yet (docs/ui.md): the drawing code is
// checked on a track and thumbnail of the shape documented there, served by /media like real ones.
test('dashboard: signal curves, black/frozen stretches and thumbnails from the documented [ext] fields', async () => {
  const n = 24; // 12 s at 2 points a second
  const track = { Version: 1, Rate: 2, Loudness: Array.from({ length: n }, (_, i) => i / n),
    Speech: Array(n).fill(0.5), Motion: Array(n).fill(0.2), CutRate: Array(n).fill(0),
    Black: [[0, 0.5]], Frozen: [[10, 11.5]] };
  const { writeFileSync, copyFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'buckets', 'media-out', 'track.json'), JSON.stringify(track));
  copyFileSync(join(MEDIA, 'sample.mp4'), join(dir, 'buckets', 'media-out', 'thumb.jpg')); // (any bytes)
  await page.goto(`${base}/ui/#/jobs`);
  const r = await page.evaluate(async () => {
    const { timeline, curves, stretchesOf } = await import('/ui/timeline.js');
    const { playUrl } = await import('/ui/api.js');
    const t = await (await fetch(await playUrl('oss://media-out/track.json'))).json();
    const box = document.createElement('div');
    box.append(timeline({ duration: 12, items: [{ kind: 'segment', index: 1, in: 0, out: 12, label: '#1',
      thumb: 'oss://media-out/thumb.jpg' }], boundaries: [0], stretches: stretchesOf(t) }), curves(t, 12));
    document.getElementById('main').append(box);
    await new Promise((res) => setTimeout(res, 300));
    return { curves: [...box.querySelectorAll('svg.curve')].map((s) => [s.dataset.signal, s.dataset.points]),
      stretches: [...box.querySelectorAll('.stretch')].map((s) => s.className),
      thumb: box.querySelector('img.thumb')?.getAttribute('src') };
  });
  assert.deepEqual(r.curves, [['Loudness', '24'], ['Speech', '24'], ['Motion', '24'], ['CutRate', '24']]);
  assert.deepEqual(r.stretches, ['stretch black', 'stretch frozen']);
  assert.match(r.thumb, /^\/media\/media-out\/thumb\.jpg\?Expires=\d+&AccessKeyId=.+&Signature=[0-9a-f]{64}$/);
  await shot('curves');
});
