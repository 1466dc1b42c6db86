/* job_json: the response shapes of GetSmartHandleJob and ListSmartJobs items (API.md §4.3, §4.4),
 * rendered from store records with the exact types the official SDK expects. */
#ifndef REELCUT_JOB_JSON_H
#define REELCUT_JOB_JSON_H

#include <jansson.h>

#include "store/store.h"

/* The GetSmartHandleJob body for job (RequestId added by the caller). New reference or NULL. */
json_t *api_job_json_get(const store_job *job);

/* One SmartJobList item: like SmartJobInfo plus JobId, JobState, UserData, with UserId a
 * number. New reference or NULL. */
json_t *api_job_json_list_item(const store_job *job);

#endif
