// report: the job page of the CLI's self-contained report - the same result sections as the
// dashboard's job page (job.js), from the data embedded in the file (report_api.js).
import { h, fmtDate } from './dom.js';
import { data } from './report_api.js';
import { resultSections } from './job.js';

const ai = JSON.parse(data.AiResult);
const g = { JobId: '', State: 'Finished',
  SmartJobInfo: { JobType: data.JobType, InputConfig: { InputFile: data.Input } } };
const head = h('section', { class: 'card' },
  h('h1', { text: `${data.JobType} report` }),
  h('dl', { class: 'facts' },
    h('dt', { text: 'Input' }), h('dd', { text: (data.Inputs || [data.Input]).join(', ') }),
    h('dt', { text: 'Made' }), h('dd', { text: `${fmtDate(data.Created)} by ${data.Generator}` })),
  h('details', { class: 'raw' }, h('summary', { text: 'Raw AiResult' }),
    h('pre', { id: 'raw-airesult', text: JSON.stringify(ai, null, 2) })));
document.getElementById('main').replaceChildren(head, h('div', { id: 'inputs' }, ...await resultSections(g, ai)));
void document.body.offsetHeight; // (layout done: what a person waits for)
performance.mark('reelcut-ready');
document.body.dataset.ready = '1';
