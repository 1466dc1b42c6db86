// app: the dashboard's pages - sign-in, job list, job page, submit form - routed by the URL hash.
import { h, fmtDuration, fmtDate } from './dom.js';
import { call, getKey, setKey, ImsError } from './api.js';
import { JOB_ERRORS, resultSections } from './job.js';

const main = document.getElementById('main');
let timers = []; // polls of the current page, stopped on navigation

function every(ms, fn) { timers.push(setInterval(fn, ms)); }
function stopTimers() { timers.forEach(clearInterval); timers = []; }

function errorBox(e) {
  const words = e instanceof ImsError ? e.words : String(e.message || e);
  return h('div', { class: 'error', role: 'alert' },
    h('strong', { text: e.code || 'Error' }), ' ', words,
    e instanceof ImsError && e.words !== e.message.replace(/^[^:]+: /, '')
      ? h('div', { class: 'detail', text: e.message }) : null);
}

function show(...nodes) { main.replaceChildren(...nodes); }

// Goes to hash, routing once (hashchange routes unless the hash stays the same).
function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

// ---- sign-in --------------------------------------------------------------------------------
function signInPage() {
  const id = h('input', { name: 'id', id: 'key-id', autocomplete: 'username', required: true, spellcheck: false });
  const secret = h('input', { name: 'secret', id: 'key-secret', type: 'password', autocomplete: 'current-password', required: true });
  const out = h('div', { id: 'signin-result' });
  const form = h('form', { id: 'signin', class: 'card narrow', onsubmit: async (e) => {
    e.preventDefault();
    out.replaceChildren(h('p', { text: 'Checking the key…' }));
    const key = { id: id.value.trim(), secret: secret.value };
    try {
      await call('ListSmartJobs', { PageSize: 1 }, key);
      setKey(key);
      go('#/jobs');
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  } },
  h('h1', { text: 'Sign in' }),
  h('p', { class: 'hint', text: 'With an access key of this server (reelcut keys create). The secret stays in this tab: it signs each request here and is never sent.' }),
  h('label', { for: 'key-id', text: 'AccessKeyId' }), id,
  h('label', { for: 'key-secret', text: 'AccessKeySecret' }), secret,
  h('button', { type: 'submit', text: 'Sign in' }), out);
  show(form);
  id.focus();
}

// ---- job list -------------------------------------------------------------------------------
const STATES = ['', 'Created', 'Executing', 'Finished', 'Failed'];
const TYPES = ['', 'Segmentation', 'HighlightExtraction'];
const FINAL = (s) => s === 'Finished' || s === 'Failed';

function progressBar(p, state) {
  const v = state === 'Finished' ? 100 : Number(p) || 0;
  return h('div', { class: `progress ${state || ''}` },
    h('div', { class: 'bar', style: { width: `${v}%` } }),
    h('span', { class: 'progress-text', text: `${v} %` }));
}

function runTime(job) {
  const c = Date.parse(job.CreateTime), m = Date.parse(job.ModifiedTime);
  return fmtDuration((FINAL(job.JobState || job.State) ? m : Date.now()) - c);
}

async function jobsPage(params) {
  const state = params.get('state') || '', type = params.get('type') || '';
  const tokens = (params.get('tokens') || '').split(',').filter(Boolean); // previous pages
  const token = params.get('token') || '';
  const sel = (name, opts, cur) => h('select', { name, id: `filter-${name}`, onchange: () => {
    const p = new URLSearchParams({ state: stateSel.value, type: typeSel.value });
    location.hash = `#/jobs?${p}`;
  } }, opts.map((o) => h('option', { value: o, selected: o === cur, text: o || `any ${name}` })));
  const stateSel = sel('state', STATES, state), typeSel = sel('type', TYPES, type);
  const body = h('tbody');
  const pager = h('div', { class: 'pager' });
  const status = h('div', {});
  show(h('section', { class: 'card' }, h('h1', { text: 'Jobs' }),
    h('div', { class: 'filters' }, 'State ', stateSel, ' Type ', typeSel,
      h('a', { class: 'button', href: '#/submit', text: 'New job' })),
    status,
    h('table', { class: 'jobs' }, h('thead', {}, h('tr', {},
      ['Job', 'Type', 'State', 'Progress', 'Created', 'Run time', 'Inputs'].map((t) => h('th', { text: t })))), body),
    pager));
  let r;
  try {
    r = await call('ListSmartJobs', { JobState: state, JobType: type, MaxResults: 10, NextToken: token });
  } catch (e) { status.replaceChildren(errorBox(e)); return; }
  const rows = new Map();
  for (const j of r.SmartJobList || []) {
    const cell = h('td', { class: 'progress-cell' }, progressBar(FINAL(j.JobState) ? 100 : 0, j.JobState));
    const stateCell = h('td', { class: `state ${j.JobState}`, text: j.JobState });
    const timeCell = h('td', { text: runTime(j) });
    const tr = h('tr', { dataset: { job: j.JobId } },
      h('td', {}, h('a', { href: `#/job/${j.JobId}`, class: 'job-link', text: j.JobId.slice(0, 12) + '…', title: j.JobId })),
      h('td', { text: j.JobType }), stateCell, cell, h('td', { text: fmtDate(j.CreateTime) }), timeCell,
      h('td', { class: 'inputs', text: (j.InputConfig && j.InputConfig.InputFile) || '–' }));
    rows.set(j.JobId, { job: j, cell, stateCell, timeCell });
    body.append(tr);
  }
  if (!rows.size) body.append(h('tr', {}, h('td', { colspan: 7, class: 'empty', text: 'No jobs match.' })));
  const total = Number(r.TotalCount || 0);
  pager.append(h('span', { text: `${total} job${total === 1 ? '' : 's'}` }));
  if (tokens.length || token) {
    const prev = tokens.slice(0, -1);
    const p = new URLSearchParams({ state, type, token: tokens[tokens.length - 1] || '', tokens: prev.join(',') });
    pager.append(h('a', { class: 'button', id: 'prev', href: `#/jobs?${p}`, text: '← Newer' }));
  }
  if (r.NextToken) {
    const p = new URLSearchParams({ state, type, token: r.NextToken, tokens: [...tokens, token].join(',') });
    pager.append(h('a', { class: 'button', id: 'next', href: `#/jobs?${p}`, text: 'Older →' }));
  }
  // Live progress: ListSmartJobs has none, GetSmartHandleJob does; poll the unfinished ones.
  const poll = async () => {
    for (const row of rows.values()) {
      if (FINAL(row.job.JobState)) continue;
      try {
        const g = await call('GetSmartHandleJob', { JobId: row.job.JobId });
        row.job.JobState = g.State;
        row.job.ModifiedTime = g.SmartJobInfo && g.SmartJobInfo.ModifiedTime;
        row.cell.replaceChildren(progressBar(g.Progress, g.State));
        row.stateCell.textContent = g.State;
        row.stateCell.className = `state ${g.State}`;
        row.timeCell.textContent = runTime(row.job);
      } catch { /* (the next round tries again) */ }
    }
  };
  await poll();
  every(1500, poll);
}

// ---- job page -------------------------------------------------------------------------------
// (the result sections are job.js's)
async function jobPage(jobId) {
  const head = h('section', { class: 'card' }, h('p', { text: 'Loading…' }));
  const inputs = h('div', { id: 'inputs' });
  show(h('p', {}, h('a', { href: '#/jobs', text: '← Jobs' })), head, inputs);
  let shown = false;
  const render = async () => {
    let g;
    try { g = await call('GetSmartHandleJob', { JobId: jobId }); } catch (e) { head.replaceChildren(errorBox(e)); stopTimers(); return; }
    const info = g.SmartJobInfo || {};
    const items = [h('h1', {}, `${info.JobType || 'Job'} `, h('code', { text: g.JobId })),
      h('dl', { class: 'facts' },
        h('dt', { text: 'State' }), h('dd', { class: `state ${g.State}`, id: 'job-state', text: g.State }),
        h('dt', { text: 'Progress' }), h('dd', {}, progressBar(g.Progress, g.State)),
        h('dt', { text: 'Created' }), h('dd', { text: fmtDate(info.CreateTime) }),
        h('dt', { text: 'Run time' }), h('dd', { text: runTime({ ...info, State: g.State }) }),
        h('dt', { text: 'Input' }), h('dd', { text: (info.InputConfig && info.InputConfig.InputFile) || '–' }),
        info.OutputConfig ? [h('dt', { text: 'Output' }), h('dd', { text: `oss://${info.OutputConfig.Bucket}/${info.OutputConfig.Object}` })] : null)];
    if (g.State === 'Failed') {
      items.push(h('div', { class: 'error', id: 'job-error', role: 'alert' }, h('strong', { text: g.ErrorCode }), ' ',
        g.ErrorMessage, h('div', { class: 'detail', text: JOB_ERRORS[g.ErrorCode] || '' })));
    }
    const ai = g.JobResult && g.JobResult.AiResult;
    if (ai) {
      let pretty = ai;
      try { pretty = JSON.stringify(JSON.parse(ai), null, 2); } catch { /* shown as sent */ }
      items.push(h('details', { class: 'raw' }, h('summary', { text: 'Raw AiResult' }), h('pre', { id: 'raw-airesult', text: pretty })));
    }
    head.replaceChildren(...items);
    if (FINAL(g.State)) stopTimers();
    if (ai && !shown) {
      shown = true;
      inputs.replaceChildren(...await resultSections(g, JSON.parse(ai)));
    }
  };
  await render();
  every(1000, render);
}

// ---- submit ---------------------------------------------------------------------------------
function field(label, input, hint) {
  return h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input,
    hint ? h('span', { class: 'hint', text: hint }) : null);
}
const inp = (id, props = {}) => h('input', { id, name: id, spellcheck: false, ...props });

function parseRanges(text) {
  return text.split(/[,\n]+/).map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^([\d.]+)\s*-\s*([\d.]+)$/.exec(s);
    if (!m) throw new Error(`"${s}" is not IN-OUT (seconds)`);
    return { In: Number(m[1]), Out: Number(m[2]) };
  });
}

function submitPage(params) {
  const type = h('select', { id: 'job-type', name: 'type' },
    h('option', { value: 'Segmentation', text: 'Segmentation (cut a video into parts)' }),
    h('option', { value: 'HighlightExtraction', text: 'Highlight extraction (best moments)' }));
  if (params.get('type')) type.value = params.get('type');
  const seg = h('fieldset', { id: 'seg-fields' }, h('legend', { text: 'Segmentation' }),
    field('Input', inp('seg-input', { placeholder: 'oss://media-in/video.mp4 or a MediaId' })),
    field('Mode', h('select', { id: 'seg-mode', name: 'seg-mode' },
      h('option', { value: 'BasicClipSplit', text: 'BasicClipSplit: cut at shot changes' }),
      h('option', { value: 'UserDefined', text: 'UserDefined: cut at the ranges below' }))),
    field('Ranges', inp('seg-ranges', { placeholder: '0-10, 20-30.5' }), 'UserDefined only: IN-OUT in seconds'));
  const hl = h('fieldset', { id: 'hl-fields' }, h('legend', { text: 'Highlight extraction' }),
    field('Inputs', h('textarea', { id: 'hl-inputs', name: 'hl-inputs', rows: 3, placeholder: 'one per line: oss://media-in/a.mp4 or a MediaId' })),
    field('Clips per input', inp('hl-count', { type: 'number', min: 1, max: 10, value: '5' })),
    field('Clip duration (s)', inp('hl-duration', { type: 'number', min: 3, max: 60, step: 'any', value: '15' })),
    field('Export clips', inp('hl-export', { type: 'checkbox', checked: true })));
  const out = h('fieldset', {}, h('legend', { text: 'Output' }),
    field('Bucket', inp('out-bucket', { placeholder: 'media-out' }), 'empty: ranges only, nothing written (highlights)'),
    field('Object key', inp('out-key', { placeholder: 'clips/{index}.mp4' }), '{index} = 1, 2, …'),
    field('Width', inp('out-width', { type: 'number', min: 1 })),
    field('Height', inp('out-height', { type: 'number', min: 1 })));
  const result = h('div', { id: 'submit-result' });
  const sync = () => { seg.hidden = type.value !== 'Segmentation'; hl.hidden = !seg.hidden; };
  type.addEventListener('change', sync);
  sync();
  const v = (id) => document.getElementById(id).value.trim();
  const form = h('form', { id: 'submit', class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    result.replaceChildren();
    try {
      const output = {};
      if (v('out-bucket')) output.Bucket = v('out-bucket');
      if (v('out-key')) output.ObjectKey = v('out-key');
      if (v('out-width')) output.Width = Number(v('out-width'));
      if (v('out-height')) output.Height = Number(v('out-height'));
      let r;
      if (type.value === 'Segmentation') {
        const media = v('seg-input');
        const jp = { Mode: v('seg-mode') };
        if (jp.Mode === 'UserDefined') jp.Ranges = parseRanges(v('seg-ranges'));
        r = await call('SubmitSegmentationJob', {
          InputConfig: { Type: /^[0-9a-f]{32}$/.test(media) ? 'Media' : 'OSS', Media: media },
          JobParams: jp, OutputConfig: Object.keys(output).length ? output : undefined });
      } else {
        const list = v('hl-inputs').split('\n').map((s) => s.trim()).filter(Boolean);
        output.NeedExport = document.getElementById('hl-export').checked;
        r = await call('SubmitHighlightExtractionJob', {
          InputConfig: { MediaArray: list.map((m) => (/^[0-9a-f]{32}$/.test(m) ? { MediaId: m } : { MediaURL: m })),
            Strategy: { Count: Number(v('hl-count')), ClipDuration: Number(v('hl-duration')) } },
          OutputConfig: output });
      }
      location.hash = `#/job/${r.JobId}`;
    } catch (err) { result.replaceChildren(errorBox(err)); }
  } }, h('h1', { text: 'New job' }), field('Type', type), seg, hl, out,
  h('button', { type: 'submit', id: 'submit-job', text: 'Submit' }), result);
  show(form);
}

// ---- routing --------------------------------------------------------------------------------
async function route() {
  stopTimers();
  const key = getKey();
  document.getElementById('nav').hidden = !key;
  document.getElementById('who').textContent = key ? key.id : '';
  const [path, query] = (location.hash.slice(1) || '/jobs').split('?');
  const params = new URLSearchParams(query || '');
  if (!key) return signInPage();
  const m = /^\/job\/([0-9a-f]{32})$/.exec(path);
  if (m) return jobPage(m[1]);
  if (path === '/submit') return submitPage(params);
  return jobsPage(params);
}

document.getElementById('signout').addEventListener('click', () => {
  setKey(null);
  go('#/signin');
});
window.addEventListener('hashchange', route);
route();
