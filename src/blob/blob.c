#include "blob/blob.h"

#include <ctype.h>
#include <string.h>

int blob_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                   char **local_path, int *is_temp, rc_error *err) {
    return be->ops->get_local(be, bucket, key, tmp_dir, local_path, is_temp, err);
}

int blob_put_file(blob_backend *be, const char *bucket, const char *key, const char *local_path,
                  rc_error *err) {
    return be->ops->put_file(be, bucket, key, local_path, err);
}

int blob_delete_object(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    return be->ops->delete_object(be, bucket, key, err);
}

int blob_bucket_exists(blob_backend *be, const char *bucket, rc_error *err) {
    return be->ops->bucket_exists(be, bucket, err);
}

void blob_destroy(blob_backend *be) {
    if (be)
        be->ops->destroy(be);
}

int blob_bucket_name_valid(const char *bucket) {
    size_t n = strlen(bucket);
    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)bucket[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '-'))
            return 0;
    }
    return isalnum((unsigned char)bucket[0]) && isalnum((unsigned char)bucket[n - 1]);
}
