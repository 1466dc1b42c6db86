// job: the result part of a job page - one section per input with its timeline (segments or
// highlight windows, boundaries, shots, thumbnails), signal curves, source player and clips. Shared
// by the dashboard (app.js) and the CLI's self-contained report (report.js), which swaps api.js for
// report_api.js (objects embedded in the page instead of signed media URLs).
import { h, fmtTime } from './dom.js';
import { inputUrl, playUrl } from './api.js';
import { timeline, curves, stretchesOf } from './timeline.js';

export const JOB_ERRORS = {
  'InvalidParameter.ResourceNotFound': 'An input object, URL or media asset did not exist when the job ran.',
  'InvalidParameter.ResourceContentBad': 'An input could not be read as media, or has no video stream.',
  'InvalidParameter.OutOfRange': 'A value was out of range when the job ran (highlight inputs over 2 h in total, or a range starting past the end).',
  InputReadFailed: 'Reading an input failed (storage or download error) after retries.',
  OutputWriteFailed: 'Writing an output clip failed after retries.',
  JobTimeout: 'The job ran longer than the configured maximum.',
  InternalError: 'Something else went wrong (or the attempt limit was reached).',
};

export function sourcePlayer(location) {
  const video = h('video', { class: 'source-player', controls: true, preload: 'metadata', muted: true });
  const note = h('p', { class: 'hint' });
  const box = h('div', { class: 'source' }, h('h3', { text: 'Source' }), video, note);
  const ready = inputUrl(location).then((u) => {
    if (u) video.src = u;
    else { video.hidden = true; note.textContent = `${location}: not in a local bucket, so this page cannot play it.`; }
    return !!u;
  });
  box.seek = async (t) => {
    if (!(await ready)) return;
    video.currentTime = t;
    video.play().catch(() => {});
  };
  box.video = video;
  return box;
}

export function clipCard(c, kind) {
  const card = h('div', { class: 'clip', dataset: { index: String(c.Index) } },
    h('div', { class: 'clip-head' }, h('strong', { text: `${kind} ${c.Index}` }),
      ` ${fmtTime(c.In)} – ${fmtTime(c.Out)} (${Number(c.Duration).toFixed(1)} s)`,
      c.Rank !== undefined ? h('span', { class: 'rank', text: ` Rank ${c.Rank}` }) : null,
      c.Score !== undefined ? h('span', { class: 'score', text: ` Score ${Number(c.Score).toFixed(2)}` }) : null));
  if (c.Reasons) {
    card.append(h('div', { class: 'reasons' }, Object.entries(c.Reasons).map(([k, v]) =>
      h('div', { class: 'reason', dataset: { reason: k }, title: `${k}: strength of this signal in the clip` },
        h('span', { class: 'reason-name', text: k }),
        h('span', { class: 'reason-bar' }, h('span', { style: { width: `${Math.round(100 * v)}%` } })),
        h('span', { class: 'reason-value', text: Number(v).toFixed(2) })))));
  }
  if (c.MediaURL) {
    const v = h('video', { class: 'clip-player', controls: true, preload: 'none', muted: true }); // (500 segments: no 500 loads)
    playUrl(c.MediaURL).then((u) => { if (u) v.src = u; else v.replaceWith(h('span', { class: 'hint', text: c.MediaURL })); });
    if (c.ThumbnailKey) playUrl(c.ThumbnailKey).then((u) => { if (u) v.poster = u; }); // (until it plays)
    card.append(v, h('div', { class: 'hint', text: c.MediaURL }));
  }
  return card;
}

export async function trackOf(where) {
  const key = where && where.SignalTrackKey;
  if (!key) return null;
  try {
    const u = await playUrl(key);
    const r = u ? await fetch(u, { credentials: 'omit' }) : null;
    return r && r.ok ? await r.json() : null;
  } catch { return null; }
}

// One input's section: timeline (+ curves), source player, clips.
export async function inputSection({ title, location, duration, items, boundaries, shots, clips, clipKind, trackHolder }) {
  const src = sourcePlayer(location);
  const track = await trackOf(trackHolder);
  const section = h('section', { class: 'card input' }, h('h2', { text: title }),
    h('p', { class: 'hint', text: location || '' }));
  const draw = (d) => timeline({ duration: d, items, boundaries, shots,
    stretches: track ? stretchesOf(track) : [], onSeek: (t) => src.seek(t) });
  let tl = draw(duration);
  section.append(tl);
  if (track) section.append(curves(track, duration));
  if (!(duration > 0)) { // highlights carry no source duration: take the player's once known
    src.video.addEventListener('loadedmetadata', () => {
      if (src.video.duration > 0) { const n = draw(src.video.duration); tl.replaceWith(n); tl = n; }
    });
  }
  section.append(src, h('div', { class: 'clips' }, clips.map((c) => clipCard(c, clipKind))));
  return section;
}

export async function resultSections(g, ai) {
  const info = g.SmartJobInfo || {};
  if (Array.isArray(ai.Segments)) {
    const segs = ai.Segments;
    return [await inputSection({
      title: `Input: ${segs.length} segment${segs.length === 1 ? '' : 's'} (${ai.Mode})`,
      location: info.InputConfig && info.InputConfig.InputFile, duration: ai.Duration,
      items: segs.map((s) => ({ kind: 'segment', index: s.Index, in: s.In, out: s.Out,
        label: `#${s.Index}`, title: `Segment ${s.Index}: ${fmtTime(s.In)}–${fmtTime(s.Out)}`, thumb: s.ThumbnailKey })),
      boundaries: segs.map((s) => s.In), shots: Array.isArray(ai.Shots) ? ai.Shots : [],
      clips: segs, clipKind: 'Segment', trackHolder: ai,
    })];
  }
  const bySource = new Map();
  for (const c of ai.Highlights || []) {
    if (!bySource.has(c.SourceIndex)) bySource.set(c.SourceIndex, []);
    bySource.get(c.SourceIndex).push(c);
  }
  const sources = Array.isArray(ai.Sources) ? ai.Sources : [];
  const out = [];
  for (const n of ai.Notes || []) {
    out.push(h('div', { class: 'note card' }, h('strong', { text: `Input ${n.SourceIndex + 1}: ${n.Code}` }), ' ', n.Message));
  }
  for (const [i, clips] of [...bySource.entries()].sort((a, b) => a[0] - b[0])) {
    const s = sources.find((x) => x.SourceIndex === i) || {};
    const location = clips[0].SourceMediaId || clips[0].SourceMediaURL;
    out.push(await inputSection({
      title: `Input ${i + 1}: ${clips.length} highlight${clips.length === 1 ? '' : 's'}`, location,
      duration: s.Duration,
      items: clips.map((c) => ({ kind: 'window', index: c.Index, in: c.In, out: c.Out,
        label: `#${c.Index} R${c.Rank} ${Number(c.Score).toFixed(2)}`,
        title: `Highlight ${c.Index}: rank ${c.Rank}, score ${Number(c.Score).toFixed(2)}; ` +
          Object.entries(c.Reasons || {}).map(([k, v]) => `${k} ${Number(v).toFixed(2)}`).join(', '),
        thumb: c.ThumbnailKey })),
      shots: Array.isArray(s.Shots) ? s.Shots : [], clips, clipKind: 'Highlight', trackHolder: s,
    }));
  }
  if (!out.length) out.push(h('p', { class: 'card', text: 'No highlights were found.' }));
  return out;
}
