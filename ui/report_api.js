// report_api: what job.js and timeline.js get from api.js inside the CLI's self-contained report
// (reelcut segment|highlights --report FILE): no server to call and no key to sign with - every
// object the page shows (thumbnails, signal tracks as data: URLs, the input and the exported clips
// as paths relative to the report) is listed in the page's embedded data.
export const data = JSON.parse(document.getElementById('reelcut-data').textContent);

const objects = data.Objects || {};

export async function playUrl(location) {
  return Object.prototype.hasOwnProperty.call(objects, location) ? objects[location] : null;
}

export async function inputUrl(input) {
  return playUrl(input);
}
