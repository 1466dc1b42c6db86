// bench/ui/render.mjs BIN MEDIA OUT_DIR: how long the job page takes to render in headless
// Chromium for a 2-hour input with 500 shots - 500 segment blocks with thumbnails and boundary
// markers, and signal curves of 14,400 points each (2 a second) - beside the page of a 4-segment
// input (the baseline), both measured in this run. The page is the CLI report (docs/cli.md), whose
// job page is the dashboard's own code (ui/job.js, timeline.js); its data is made by reelcut for a
// real 4-shot file, then widened to 500 shots with the real thumbnail and made-up curves.
// Prints the median of 5 loads: navigation start to the page's ready mark (every section in the
// document and laid out).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../../tests/client/browser.mjs';

const [BIN, MEDIA, OUT] = process.argv.slice(2);
mkdirSync(OUT, { recursive: true });
const small = join(OUT, 'small.html');
execFileSync(BIN, ['segment', join(MEDIA, 'thumb_key.mp4'), '--report', small], { stdio: ['ignore', 'ignore', 'inherit'] });

const html = readFileSync(small, 'utf8');
const re = /(<script type="application\/json" id="reelcut-data">)([^]*?)(<\/script>)/;
const data = JSON.parse(re.exec(html)[2]);
const ai = JSON.parse(data.AiResult);
const thumb = data.Objects['thumb/1.jpg'];
const N = 500, D = 7200;
let t = 0;
const cuts = [];
for (let i = 0; i < N - 1; i++) { t += (D / N) * (0.5 + ((i * 7919) % 100) / 100); cuts.push(Math.min(t, D - 1)); }
cuts.sort((a, b) => a - b);
const bounds = [0, ...cuts, D];
ai.Duration = D;
ai.Segments = [];
const objects = { [data.Input]: data.Objects[data.Input] };
for (let i = 0; i < N; i++) {
  const key = `thumb/${i + 1}.jpg`;
  objects[key] = thumb;
  ai.Segments.push({ Index: i + 1, In: bounds[i], Out: bounds[i + 1], Duration: bounds[i + 1] - bounds[i], ThumbnailKey: key });
}
const P = D * 2;
const wave = (f, p) => Array.from({ length: P }, (_, i) => +(0.5 + 0.5 * Math.sin(i / f + p)).toFixed(3));
const track = { Version: 1, Rate: 2, Duration: D, Loudness: wave(40, 0), Speech: wave(90, 1), Motion: wave(25, 2),
  CutRate: wave(300, 3), Black: [[100, 110], [3000, 3020]], Frozen: [[5000, 5030]] };
objects['track/1.json'] = `data:application/json;base64,${Buffer.from(JSON.stringify(track)).toString('base64')}`;
ai.SignalTrackKey = 'track/1.json';
data.AiResult = JSON.stringify(ai);
data.Objects = objects;
const big = join(OUT, 'big.html');
writeFileSync(big, html.replace(re, (m, a, b, c) => a + JSON.stringify(data).replace(/</g, '\\u003c') + c));

const browser = await launchBrowser();
async function measure(file) {
  const times = [];
  for (let k = 0; k < 5; k++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
    // report.js marks the moment every section is in the document and laid out
    const ms = await page.evaluate(() => performance.getEntriesByName('reelcut-ready')[0].startTime);
    const counts = await page.evaluate(() => ({ blocks: document.querySelectorAll('.segment').length,
      markers: document.querySelectorAll('.boundary').length, thumbs: document.querySelectorAll('img.thumb').length,
      curves: document.querySelectorAll('svg.curve').length }));
    times.push({ ms, counts });
    await page.close();
  }
  times.sort((a, b) => a.ms - b.ms);
  return times[2];
}
const base = await measure(small), load = await measure(big);
await browser.close();
const mb = (f) => (readFileSync(f).length / 1e6).toFixed(1);
console.log(`4 shots (baseline)      render ${base.ms.toFixed(0).padStart(5)} ms  (${JSON.stringify(base.counts)}, ${mb(small)} MB)`);
console.log(`2 h, 500 shots          render ${load.ms.toFixed(0).padStart(5)} ms  (${JSON.stringify(load.counts)}, ${mb(big)} MB)`);
console.log(`target: 2 h / 500 shots under 1000 ms: ${load.ms < 1000 ? 'met' : 'NOT met'}`);
