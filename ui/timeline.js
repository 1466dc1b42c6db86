// timeline: one input's time axis - segments or highlight windows as blocks (with Score, Rank,
// Reasons), shot boundaries as markers, thumbnails when the AiResult names them, the signal
// curves under it when a signal track is there (docs/ui.md lists the [ext] fields). Positions are
// percentages of the duration, so the drawing needs no layout pass.
import { h, fmtTime } from './dom.js';
import { playUrl } from './api.js';

const pct = (t, d) => `${Math.max(0, Math.min(100, (100 * t) / d))}%`;

// items: [{in, out, label, title, kind: 'segment'|'window', thumb (location), index}]
// boundaries: seconds where a marker goes (class `boundary`); shots: [ext] shot cuts (class `shot`)
// onSeek(t): a click on the axis. Returns the element.
export function timeline({ duration, items, boundaries = [], shots = [], stretches = [], onSeek }) {
  const d = duration > 0 ? duration : Math.max(1, ...items.map((i) => i.out));
  const axis = h('div', { class: 'axis', title: 'Click to play the source from here' });
  axis.addEventListener('click', (e) => {
    const r = axis.getBoundingClientRect();
    if (onSeek) onSeek(((e.clientX - r.left) / r.width) * d);
  });
  for (const s of stretches) {
    axis.append(h('div', { class: `stretch ${s.kind}`, title: `${s.kind} ${fmtTime(s.in)}–${fmtTime(s.out)}`,
      style: { left: pct(s.in, d), width: pct(s.out - s.in, d) } }));
  }
  for (const it of items) {
    const block = h('div', { class: it.kind, title: it.title,
      dataset: { index: String(it.index), in: String(it.in), out: String(it.out) },
      style: { left: pct(it.in, d), width: pct(it.out - it.in, d) } },
    h('span', { class: 'label', text: it.label }));
    // (a thumbnail in a block narrower than ~1/60 of the axis is a few pixels of noise: the
    // block's title and the clip list name it instead)
    if (it.thumb && (it.out - it.in) >= d / 60) {
      playUrl(it.thumb).then((u) => { if (u) block.prepend(h('img', { class: 'thumb', src: u, alt: '' })); });
    }
    axis.append(block);
  }
  for (const t of boundaries) {
    axis.append(h('div', { class: 'boundary', title: `boundary at ${fmtTime(t)}`,
      dataset: { t: String(t) }, style: { left: pct(t, d) } }));
  }
  for (const t of shots) {
    axis.append(h('div', { class: 'shot', title: `shot change at ${fmtTime(t)}`, style: { left: pct(t, d) } }));
  }
  const ticks = h('div', { class: 'ticks' });
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800].find((s) => d / s <= 10) || 3600;
  for (let t = 0; t <= d + 1e-6; t += step) {
    ticks.append(h('span', { class: 'tick', text: fmtTime(t), style: { left: pct(t, d) } }));
  }
  return h('div', { class: 'timeline' }, axis, ticks);
}

const SIGNALS = [['Loudness', 'loudness'], ['Speech', 'speech'], ['Motion', 'motion'], ['CutRate', 'cutrate']];

// The signal curves of a signal track (docs/ui.md: {Rate, Loudness[], Speech[], Motion[],
// CutRate[], Black[[in,out]], Frozen[[in,out]]}, values in [0,1]) over duration d.
export function curves(track, d) {
  const rate = track.Rate > 0 ? track.Rate : 2;
  const wrap = h('div', { class: 'curves' });
  for (const [name, cls] of SIGNALS) {
    const v = Array.isArray(track[name]) ? track[name] : null;
    if (!v || !v.length) continue;
    const dur = d > 0 ? d : v.length / rate;
    // at most one point per unit of the 1000-wide view box: the highest value of each unit (a
    // 2-hour input has 14,400 points a curve; peaks are what a person looks for)
    const per = Math.max(1, Math.ceil(v.length / 1000));
    const pts = [];
    for (let i = 0; i < v.length; i += per) {
      let y = 0;
      for (let k = i; k < Math.min(v.length, i + per); k++) y = Math.max(y, Math.max(0, Math.min(1, +v[k] || 0)));
      pts.push(`${((i / rate) / dur * 1000).toFixed(1)},${(40 - 38 * y).toFixed(1)}`);
    }
    const svg = h('svg', { svg: true, class: `curve ${cls}`, viewBox: '0 0 1000 40', preserveAspectRatio: 'none',
      'data-signal': name, 'data-points': String(v.length) },
    h('polyline', { svg: true, points: pts.join(' ') }));
    wrap.append(h('div', { class: 'curve-row' }, h('span', { class: 'curve-name', text: name }), svg));
  }
  return wrap;
}

export function stretchesOf(track) {
  const out = [];
  for (const [name, kind] of [['Black', 'black'], ['Frozen', 'frozen']]) {
    for (const p of Array.isArray(track[name]) ? track[name] : []) {
      if (Array.isArray(p) && p.length === 2) out.push({ kind, in: +p[0], out: +p[1] });
    }
  }
  return out;
}
