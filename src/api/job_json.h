/* job_json: the response shapes of GetSmartHandleJob and ListSmartJobs items (API.md §4.3, §4.4),
 * rendered from store records with the exact types the official SDK expects. */
#ifndef REELCUT_JOB_JSON_H
#define REELCUT_JOB_JSON_H

#include <jansson.h>

#include "store/store.h"
#include "util/buf.h"

/* The members of the GetSmartHandleJob body for job, without the braces and the RequestId the
 * caller adds (api_reply_members), written straight into out as compact JSON: what the jansson
 * tree of the same fields would dump, without building it (a Get is the hottest request). Returns
 * 0 or out's RC_ETOOBIG / RC_ENOMEM. */
int api_job_json_get_members(const store_job *job, buf *out);

/* One SmartJobList item: like SmartJobInfo plus JobId, JobState, UserData, with UserId a
 * number. New reference or NULL. */
json_t *api_job_json_list_item(const store_job *job);

#endif
