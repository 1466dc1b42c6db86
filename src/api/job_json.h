/* job_json: the response shapes of GetSmartHandleJob and ListSmartJobs items (API.md §4.3, §4.4),
 * rendered from store records with the exact types the official SDK expects. */
#ifndef REELCUT_JOB_JSON_H
#define REELCUT_JOB_JSON_H

#include <jansson.h>

#include "store/store.h"
#include "util/buf.h"

/* Appends the members of the GetSmartHandleJob body for job to the open object in out (which holds
 * at least one member already: the RequestId of api_reply_begin), each after a ',', as compact
 * JSON: what the jansson tree of the same fields would dump, without building it (a Get is the
 * hottest request). Returns 0 or out's RC_ETOOBIG / RC_ENOMEM. */
int api_job_json_get_members(const store_job *job, buf *out);

/* One SmartJobList item: like SmartJobInfo plus JobId, JobState, UserData, with UserId a
 * number. New reference or NULL. */
json_t *api_job_json_list_item(const store_job *job);

#endif
