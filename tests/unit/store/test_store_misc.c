/* Unit tests for the job store on real SQLite files: tokens, nonces, media, outbox, concurrency. */
#include "store_suite_misc.h"

int main(void) {
    const struct CMUnitTest tests[] = {
        STORE_SUITE_MISC(fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
