/* Unit tests of the submission half of the address rule (issue 11 item 3): NotifyAddress, URL
 * inputs and OutputConfig.Endpoint whose host is an internal address literal in any spelling, or
 * localhost, are refused unless the operator's list names the host; public hosts pass without
 * any lookup. Pure: nothing here opens a socket or resolves a name. */
#include "spec_fixture.h"

#define E_UNSUP "InvalidParameter.UnsupportedValue"
#define INTERNAL "the host is an internal (loopback, private or reserved) address"

enum field { NOTIFY, INPUT, ENDPOINT };

/* DEFAULT: fixture POLICY_OPEN (no callback or endpoint list; downloads from cdn.example.com and
 * *.allowed.org). NAMED: the operator named loopback hosts in every list. PATTERN: a domain
 * pattern that happens to match loopback literals. */
enum reach_policy { DEFAULT, NAMED, PATTERN };

static jobs_policy reach_policy(enum reach_policy which) {
    jobs_policy p = fixture_policy(POLICY_OPEN);
    if (which == NAMED) {
        const char *names[] = {"127.0.0.1", "[::1]", "localhost", "8.8.8.8"};
        for (size_t i = 0; i < N_ITEMS(names); i++) {
            p.http_hosts[p.n_http_hosts++] = names[i];
            p.callback_hosts[p.n_callback_hosts++] = names[i];
            p.endpoint_hosts[p.n_endpoint_hosts++] = names[i];
        }
    } else if (which == PATTERN) {
        p.http_hosts[p.n_http_hosts++] = ".0.0.1";
        p.callback_hosts[p.n_callback_hosts++] = ".0.0.1";
        p.endpoint_hosts[p.n_endpoint_hosts++] = ".0.0.1";
    }
    return p;
}

struct reach_case {
    enum reach_policy policy;
    enum field field;
    const char *url;
    const char *reason; /* NULL = accepted */
};

static const struct reach_case cases[] = {
    /* NotifyAddress, default configuration: every listed spelling is refused */
    {DEFAULT, NOTIFY, "http://127.0.0.1:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://0.0.0.0:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://[::1]:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://2130706433:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://0177.0.0.1:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://0x7f000001:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://127.1:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://[::ffff:127.0.0.1]:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://localhost:8080/cb", INTERNAL},
    {DEFAULT, NOTIFY, "HTTPS://LOCALHOST./cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://hooks.localhost/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://169.254.169.254/latest/meta-data/", INTERNAL},
    {DEFAULT, NOTIFY, "http://100.100.100.200/latest/meta-data/", INTERNAL},
    {DEFAULT, NOTIFY, "http://10.0.0.5/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://[fe80::1%25eth0]/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://[ff02::1]/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://%31%32%37.0.0.1/cb", INTERNAL},
    {DEFAULT, NOTIFY, "http://8.8.8.8/cb", NULL},
    {DEFAULT, NOTIFY, "https://[2001:4860::8888]:8443/cb", NULL},
    {DEFAULT, NOTIFY, "https://hooks.example.com/cb", NULL}, /* a name: checked at connect */
    /* named hosts lift the rule for that host only; the list also restricts, as before */
    {NAMED, NOTIFY, "http://127.0.0.1:8080/cb", NULL},
    {NAMED, NOTIFY, "http://[::1]:8080/cb", NULL},
    {NAMED, NOTIFY, "http://localhost:8080/cb", NULL},
    {NAMED, NOTIFY, "http://2130706433:8080/cb", "the host is not in the callback allow-list"},
    {NAMED, NOTIFY, "http://127.0.0.2/cb", "the host is not in the callback allow-list"},
    {PATTERN, NOTIFY, "http://127.0.0.1/cb", INTERNAL}, /* a pattern names no host */
    /* URL inputs */
    {DEFAULT, INPUT, "http://127.0.0.1/a.mp4", "the host is not in the allowed list"},
    {PATTERN, INPUT, "http://127.0.0.1/a.mp4", INTERNAL},
    {PATTERN, INPUT, "http://10.0.0.1/a.mp4", INTERNAL},
    {NAMED, INPUT, "http://127.0.0.1:8000/a.mp4", NULL},
    {NAMED, INPUT, "http://[::1]:8000/a.mp4", NULL},
    {NAMED, INPUT, "https://8.8.8.8/a.mp4", NULL},
    {DEFAULT, INPUT, "https://cdn.example.com/a.mp4", NULL},
    /* OutputConfig.Endpoint */
    {DEFAULT, ENDPOINT, "http://127.0.0.1:9000", INTERNAL},
    {DEFAULT, ENDPOINT, "http://0x7f000001:9000/", INTERNAL},
    {DEFAULT, ENDPOINT, "https://[::ffff:127.0.0.1]:9000", INTERNAL},
    {DEFAULT, ENDPOINT, "http://169.254.169.254", INTERNAL},
    {DEFAULT, ENDPOINT, "http://localhost:9000", INTERNAL},
    {DEFAULT, ENDPOINT, "https://8.8.8.8", NULL},
    {DEFAULT, ENDPOINT, "http://s3.local:9000", NULL},
    {NAMED, ENDPOINT, "http://127.0.0.1:9000", NULL},
    {NAMED, ENDPOINT, "http://s3.local:9000", "the host is not in the endpoint allow-list"},
    {PATTERN, ENDPOINT, "http://127.0.0.1:9000", INTERNAL},
};

static void test_reach_table(void **state) {
    (void)state;
    char json[512], message[512] = "";
    static const char *const paths[] = {"UserData.NotifyAddress", "InputConfig.Media",
                                        "OutputConfig.Endpoint"};
    for (size_t i = 0; i < N_ITEMS(cases); i++) {
        const struct reach_case *c = &cases[i];
        jobs_policy policy = reach_policy(c->policy);
        rc_error err;
        rc_error_clear(&err);
        int rc;
        if (c->field == NOTIFY) {
            jobs_userdata ud;
            snprintf(json, sizeof(json), "{\"NotifyAddress\":\"%s\"}", c->url);
            rc = jobs_userdata_parse(json, JOBS_USERDATA_MAX, 1, &policy, &ud, &err);
            if (!rc)
                assert_string_equal(ud.notify_address, c->url);
            jobs_userdata_free(&ud);
        } else if (c->field == INPUT) {
            jobs_location loc;
            rc = jobs_location_parse(c->url, &policy, "InputConfig.Media", &loc, &err);
            if (!rc)
                assert_int_equal(loc.kind, JOBS_LOC_HTTP);
            jobs_location_free(&loc);
        } else {
            jobs_output_spec out;
            snprintf(
                json, sizeof(json),
                "{\"Bucket\":\"media-out\",\"ObjectKey\":\"o/{index}.mp4\",\"Endpoint\":\"%s\"}",
                c->url);
            rc = jobs_output_parse(json, 0, &policy, &out, &err);
            if (!rc)
                assert_string_equal(out.endpoint, c->url);
            jobs_output_spec_free(&out);
        }
        if (c->reason)
            snprintf(message, sizeof(message), "%s value \"%s\" is not supported: %s",
                     paths[c->field], c->url, c->reason);
        fixture_expect((int)i, rc, &err, c->reason ? E_UNSUP : NULL, message);
    }
}

/* A whole Submit: the rule holds on the parse the executor repeats before running the job. */
static void test_seg_spec_refuses_loopback_callback(void **state) {
    (void)state;
    jobs_policy policy = reach_policy(DEFAULT);
    jobs_seg_spec spec;
    rc_error err;
    rc_error_clear(&err);
    int rc = jobs_seg_spec_parse("{\"Type\":\"OSS\",\"Media\":\"oss://media-in/a.mp4\"}", NULL,
                                 NULL, "{\"NotifyAddress\":\"http://0x7f000001:8080/cb\"}", &policy,
                                 &spec, &err);
    fixture_expect(
        0, rc, &err, E_UNSUP,
        "UserData.NotifyAddress value \"http://0x7f000001:8080/cb\" is not supported: " INTERNAL);
    jobs_seg_spec_free(&spec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reach_table),
        cmocka_unit_test(test_seg_spec_refuses_loopback_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
