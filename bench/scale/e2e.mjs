// bench/scale/e2e.mjs ENDPOINT KEY_JSON N MEDIA_URL [RANGES]: submits N SubmitSegmentationJob
// (shot detection, or UserDefined ranges "a-b,c-d"), polls until every job ended and prints
// "<finished> <failed> <seconds from the first submission to the last end>".
import { makeClient } from '../../tests/client/ims.mjs';

const [endpoint, keyJson, nArg, media, ranges] = process.argv.slice(2);
const key = JSON.parse(keyJson);
const c = makeClient({ endpoint, accessKeyId: key.AccessKeyId, accessKeySecret: key.AccessKeySecret });
const n = Number(nArg);
const params = { InputConfig: { Type: 'OSS', Media: media } };
if (ranges) {
  params.JobParams = { Mode: 'UserDefined', Ranges: ranges.split(',').map((r) => {
    const [a, b] = r.split('-').map(Number);
    return { In: a, Out: b };
  }) };
}
const t0 = Date.now();
const ids = [];
for (let i = 0; i < n; i++) ids.push((await c.call('SubmitSegmentationJob', params)).JobId);
const left = new Set(ids);
let finished = 0, failed = 0;
while (left.size) {
  for (const id of [...left]) {
    const j = await c.call('GetSmartHandleJob', { JobId: id });
    if (j.State === 'Finished') finished++;
    if (j.State === 'Failed') { failed++; process.stderr.write(`${id}: ${j.ErrorCode} ${j.ErrorMessage}\n`); }
    if (j.State === 'Finished' || j.State === 'Failed') left.delete(id);
  }
  if (left.size) await new Promise((r) => setTimeout(r, 100));
}
console.log(`${finished} ${failed} ${((Date.now() - t0) / 1000).toFixed(2)}`);
