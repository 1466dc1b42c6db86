// report_loader: starts the CLI's self-contained report. A page opened from a file cannot load
// module scripts from other files, so the modules travel in the page as text: each becomes a blob:
// URL, its imports pointing at the blob: URLs of the modules before it, api.js replaced by
// report_api.js.
(async () => {
  const src = JSON.parse(document.getElementById('reelcut-modules').textContent);
  const alias = { 'api.js': 'report_api.js' };
  const url = {};
  for (const name of ['dom.js', 'report_api.js', 'timeline.js', 'job.js', 'report.js']) {
    const code = src[name].replace(/from '\.\/([a-z_]+\.js)'/g, (m, dep) => `from '${url[alias[dep] || dep]}'`);
    url[name] = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  }
  await import(url['report.js']);
})().catch((e) => {
  document.getElementById('main').textContent = `This report could not be shown: ${e}`;
});
