// reelcut segment|highlights --report FILE: the job page as one self-contained HTML file, opened
// from disk in headless Chromium (no server): one boundary and one 160 px thumbnail per segment, the
// exported clips play from their paths beside the report, a highlight report draws the picker's
// signal curves and the black and frozen stretches the truth plants, with each clip's reasons; a
// report that cannot be written fails the command with a message naming --report. Screenshots go
// to $REELCUT_BUILD/ui-artefacts/.
import { test, before, after } from 'node:test';
// (every test is bounded: a hung page fails the test instead of holding the suite)
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../client/browser.mjs';

const BIN = process.env.REELCUT || 'build-test/reelcut';
const MEDIA = process.env.REELCUT_MEDIA || 'build-test/media';
const ART = join(process.env.REELCUT_BUILD || 'build-test', 'ui-artefacts');
let dir, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'reelcut-report-'));
  mkdirSync(join(dir, 'out'));
  mkdirSync(ART, { recursive: true });
  browser = await launchBrowser();
});
after(async () => {
  if (browser) await browser.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args) {
  return JSON.parse(execFileSync(BIN, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function open(file) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(join(dir, file)).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  return { page, errors };
}

async function plays(page, selector) {
  return page.evaluate(async (sel) => {
    const v = document.querySelector(sel);
    if (!v) return { error: 'no video' };
    v.muted = true;
    await v.play(); // (clip players load on play: preload none)
    const t0 = Date.now();
    while (v.currentTime < 0.3 && !v.error && Date.now() - t0 < 10000) await new Promise((ok) => setTimeout(ok, 100));
    return { duration: v.duration, t: v.currentTime, error: v.error && v.error.message };
  }, selector);
}

test('segment --report: boundaries, thumbnails, clip players', { timeout: 120000 }, async () => {
  const ai = run(['segment', join(MEDIA, 'thumb_key.mp4'), '--output', 'out/seg_{index}.mp4', '--report', 'seg.html']);
  assert.equal(ai.Segments.length, 4);
  const html = readFileSync(join(dir, 'seg.html'), 'utf8');
  assert.ok(!/<\/script>[^]*<\/script>[^]*<\/script>[^]*<\/script>/.test(html), 'three scripts, no stray </script>');
  const { page, errors } = await open('seg.html');
  assert.equal(await page.locator('.boundary').count(), ai.Segments.length);
  const thumbs = await page.locator('img.thumb').evaluateAll((imgs) =>
    Promise.all(imgs.map((i) => (i.complete ? i.naturalWidth : new Promise((ok) => { i.onload = () => ok(i.naturalWidth); })))));
  assert.deepEqual(thumbs, [160, 160, 160, 160]);
  const p = await plays(page, 'video.clip-player');
  assert.ok(p.duration > 1.5 && p.duration < 2.5, `clip duration ${p.duration}`);
  assert.ok(p.t > 0.2, `currentTime ${p.t}`);
  const src = await plays(page, 'video.source-player');
  assert.ok(src.duration > 7.5, `source duration ${src.duration}`);
  assert.equal(await page.locator('#raw-airesult').count(), 1);
  await page.screenshot({ path: join(ART, 'report-segmentation.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('highlights --report: curves, stretches, reasons', { timeout: 120000 }, async () => {
  const ai = run(['highlights', join(MEDIA, 'hl_match.mp4'), '--count', '3', '--clip-duration', '8',
    '--output', 'out/hl.mp4', '--report', 'hl.html']);
  assert.ok(ai.Highlights.length >= 2);
  const { page, errors } = await open('hl.html');
  for (const s of ['Loudness', 'Speech', 'Motion', 'CutRate']) {
    const n = Number(await page.locator(`svg[data-signal="${s}"]`).getAttribute('data-points'));
    assert.ok(n > 200, `${s}: ${n} points for a 2-minute input at 2 a second`);
  }
  // hl_match plants frozen 48-56 s and black 78-86 s: the shading is where the truth says
  const stretch = async (kind) => page.locator(`.stretch.${kind}`).evaluateAll((els) => els.map((e) => e.title));
  const frozen = await stretch('frozen'), black = await stretch('black');
  assert.equal(frozen.length, 1, `frozen ${frozen}`);
  assert.equal(black.length, 1, `black ${black}`);
  assert.match(frozen[0], /^frozen 4[89]\.\d s–5[67]\.\d s$/);
  assert.match(black[0], /^black 1:(1[89]|2[01])\.\d–1:2[67]\.\d$/);
  assert.equal(await page.locator('.clip .reasons').count(), ai.Highlights.length);
  assert.equal(await page.locator('img.thumb').count(), ai.Highlights.length);
  const p = await plays(page, 'video.clip-player');
  assert.ok(p.duration > 5 && p.t > 0.2, JSON.stringify(p));
  await page.screenshot({ path: join(ART, 'report-highlights.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('--report that cannot be written: the command fails naming it, the result is printed', () => {
  const r = spawnSync(BIN, ['segment', join(MEDIA, 'thumb_key.mp4'), '--report', 'no/such/folder/r.html'],
    { cwd: dir, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--report folder no\/such\/folder/);
  assert.equal(JSON.parse(r.stdout).Segments.length, 4);
  assert.throws(() => statSync(join(dir, 'no')));
});
