// The official IMS client core (@alicloud/openapi-core), called exactly as the generated ICE client
// calls it (API.md §1.5): RPC style, form body, JSON response, action-specific query/body split.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const core = require('@alicloud/openapi-core');
const dara = require('@darabonba/typescript');

const OpenApi = core.default;
const { $OpenApiUtil } = core;

// Which parameters the generated client puts in the form body (everything else goes in the query).
const BODY_PARAMS = {
  SubmitSegmentationJob: ['InputConfig'],
  SubmitHighlightExtractionJob: ['InputConfig'],
};
const METHOD = { ListSmartJobs: 'GET' };

export function makeClient({ endpoint, accessKeyId, accessKeySecret, signatureAlgorithm }) {
  const config = new $OpenApiUtil.Config({
    accessKeyId, accessKeySecret, endpoint, protocol: 'http', regionId: 'cn-shanghai',
    ...(signatureAlgorithm ? { signatureAlgorithm } : {}),
    connectTimeout: 10000, readTimeout: 10000,
  });
  const client = new OpenApi(config);
  return {
    client,
    // Calls an action with business parameters (strings; objects are JSON-encoded first).
    async call(action, params = {}) {
      const query = {};
      const body = {};
      const bodyNames = BODY_PARAMS[action] || [];
      for (const [k, v] of Object.entries(params)) {
        if (v === undefined) continue;
        const s = typeof v === 'string' ? v : JSON.stringify(v);
        (bodyNames.includes(k) ? body : query)[k] = s;
      }
      const req = new $OpenApiUtil.OpenApiRequest({
        query,
        ...(Object.keys(body).length ? { body } : {}),
      });
      const p = new $OpenApiUtil.Params({
        action, version: '2020-11-09', protocol: 'HTTPS', pathname: '/',
        method: METHOD[action] || 'POST', authType: 'AK', style: 'RPC',
        reqBodyType: 'formData', bodyType: 'json',
      });
      const res = await client.callApi(p, req, new dara.RuntimeOptions({}));
      return res.body;
    },
  };
}
