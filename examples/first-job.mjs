// A first segmentation job against reelcut with the official IMS client core.
//   REELCUT_ENDPOINT=127.0.0.1:8080 REELCUT_KEY_ID=... REELCUT_KEY_SECRET=... node examples/first-job.mjs
// Expects the input at oss://media-in/sample.mp4 (DATA_DIR/buckets/media-in/sample.mp4) and an
// output bucket folder DATA_DIR/buckets/media-out.
import { makeClient } from '../tests/client/ims.mjs';

const client = makeClient({
  endpoint: process.env.REELCUT_ENDPOINT || '127.0.0.1:8080',
  accessKeyId: process.env.REELCUT_KEY_ID,
  accessKeySecret: process.env.REELCUT_KEY_SECRET,
});

const { JobId } = await client.call('SubmitSegmentationJob', {
  InputConfig: { Type: 'OSS', Media: 'oss://media-in/sample.mp4' },
  OutputConfig: { Bucket: 'media-out', ObjectKey: 'first-job/shot_{index}.mp4' },
});
console.log('submitted', JobId);

for (;;) {
  const job = await client.call('GetSmartHandleJob', { JobId });
  if (job.State === 'Finished' || job.State === 'Failed') {
    if (job.State === 'Failed') {
      console.error(`${job.ErrorCode}: ${job.ErrorMessage}`);
      process.exit(1);
    }
    for (const s of JSON.parse(job.JobResult.AiResult).Segments)
      console.log(`segment ${s.Index}: ${s.In}-${s.Out} s -> ${s.MediaURL}`);
    break;
  }
  console.log(`${job.State} ${job.Progress}%`);
  await new Promise((r) => setTimeout(r, 500));
}
