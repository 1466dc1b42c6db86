/* Unit tests of util/netaddr: the internal-address classifier over sockaddrs and over host
 * spellings, and exact host naming. Pure: nothing here opens a socket or resolves a name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "util/netaddr.h"

#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))

struct addr_case {
    const char *addr; /* inet_pton text, v4 or v6 */
    int internal;
};

/* Each block's edges, and public neighbours just outside them. */
static const struct addr_case addr_cases[] = {
    {"0.0.0.0", 1},
    {"0.255.255.255", 1},
    {"1.0.0.0", 0},
    {"9.255.255.255", 0},
    {"10.0.0.0", 1},
    {"10.255.255.255", 1},
    {"11.0.0.0", 0},
    {"100.63.255.255", 0},
    {"100.64.0.0", 1},
    {"100.100.100.200", 1}, /* Alibaba Cloud metadata */
    {"100.127.255.255", 1},
    {"100.128.0.0", 0},
    {"126.255.255.255", 0},
    {"127.0.0.1", 1},
    {"127.255.255.254", 1},
    {"128.0.0.0", 0},
    {"169.253.255.255", 0},
    {"169.254.169.254", 1}, /* AWS/GCP/Azure metadata */
    {"169.255.0.0", 0},
    {"172.15.255.255", 0},
    {"172.16.0.0", 1},
    {"172.31.255.255", 1},
    {"172.32.0.0", 0},
    {"192.0.0.170", 1},
    {"192.0.2.1", 1},
    {"192.0.3.0", 0},
    {"192.88.99.1", 1},
    {"192.167.255.255", 0},
    {"192.168.1.1", 1},
    {"192.169.0.0", 0},
    {"198.17.255.255", 0},
    {"198.18.0.0", 1},
    {"198.19.255.255", 1},
    {"198.20.0.0", 0},
    {"198.51.100.7", 1},
    {"203.0.113.9", 1},
    {"223.255.255.255", 0},
    {"224.0.0.1", 1},
    {"239.255.255.250", 1},
    {"240.0.0.1", 1},
    {"255.255.255.255", 1},
    {"8.8.8.8", 0},
    {"1.1.1.1", 0},
    {"47.88.1.1", 0},
    /* IPv6 */
    {"::", 1},
    {"::1", 1},
    {"::2", 1},
    {"::127.0.0.1", 1},      /* IPv4-compatible */
    {"::8.8.8.8", 1},        /* IPv4-compatible: deprecated, never routed */
    {"::ffff:127.0.0.1", 1}, /* IPv4-mapped */
    {"::ffff:7f00:1", 1},    /* the same, in hex */
    {"::ffff:0.0.0.0", 1},   /* mapped unspecified */
    {"::ffff:169.254.169.254", 1},
    {"::ffff:10.1.2.3", 1},
    {"::ffff:8.8.8.8", 0},
    {"::ffff:0:127.0.0.1", 1}, /* IPv4-translated */
    {"::ffff:0:8.8.8.8", 0},
    {"64:ff9b::127.0.0.1", 1}, /* NAT64 */
    {"64:ff9b::a9fe:a9fe", 1}, /* NAT64 169.254.169.254 */
    {"64:ff9b::8.8.8.8", 0},
    {"64:ff9b:1::1", 1},     /* local-use NAT64 */
    {"100::1", 1},           /* discard-only */
    {"2001::1", 1},          /* Teredo */
    {"2001:db8::1", 1},      /* documentation */
    {"2002:7f00:1::1", 1},   /* 6to4 of 127.0.0.1 */
    {"2002:a9fe:a9fe::", 1}, /* 6to4 of 169.254.169.254 */
    {"2002:808:808::1", 0},  /* 6to4 of 8.8.8.8 */
    {"fc00::1", 1},          /* unique-local */
    {"fd12:3456::1", 1},
    {"fe80::1", 1}, /* link-local */
    {"febf:ffff::1", 1},
    {"fec0::1", 1}, /* site-local */
    {"ff02::1", 1}, /* multicast */
    {"2001:4860:4860::8888", 0},
    {"2001:4860::8888", 0},
    {"2606:4700::1111", 0},
    {"fb00::1", 0},
};

static void test_sockaddr_table(void **state) {
    (void)state;
    for (size_t i = 0; i < N_ITEMS(addr_cases); i++) {
        const struct addr_case *c = &addr_cases[i];
        int got;
        if (strchr(c->addr, ':')) {
            struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
            assert_int_equal(inet_pton(AF_INET6, c->addr, &sa.sin6_addr), 1);
            got = netaddr_sockaddr_internal((const struct sockaddr *)&sa, sizeof(sa));
            assert_int_equal(got, netaddr_ipv6_internal(sa.sin6_addr.s6_addr));
        } else {
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
            assert_int_equal(inet_pton(AF_INET, c->addr, &sa.sin_addr), 1);
            got = netaddr_sockaddr_internal((const struct sockaddr *)&sa, sizeof(sa));
            assert_int_equal(got, netaddr_ipv4_internal(ntohl(sa.sin_addr.s_addr)));
        }
        if (got != c->internal)
            print_error("%s: internal %d, want %d\n", c->addr, got, c->internal);
        assert_int_equal(got, c->internal);
    }
    /* Other families, and lengths too short for the family, are refused alike. */
    struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, "2001:4860::8888", &sa6.sin6_addr), 1);
    assert_int_equal(netaddr_sockaddr_internal((const struct sockaddr *)&sa6, 8), 1);
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_int_equal(netaddr_sockaddr_internal(&un, sizeof(un)), 1);
    assert_int_equal(netaddr_sockaddr_internal(NULL, 0), 1);
}

struct host_case {
    const char *host; /* as it stands in a URL's authority, brackets removed for IPv6 */
    int internal;
};

/* Every spelling of issue 11 item 3, and public hosts that must pass without a lookup. */
static const struct host_case host_cases[] = {
    {"127.0.0.1", 1},
    {"0.0.0.0", 1},
    {"::1", 1},
    {"[::1]", 1},
    {"2130706433", 1}, /* 127.0.0.1 as one decimal number */
    {"0177.0.0.1", 1}, /* octal */
    {"0x7f000001", 1}, /* hex */
    {"0X7F.1", 1},
    {"127.1", 1}, /* short form */
    {"127.0.1", 1},
    {"::ffff:127.0.0.1", 1},
    {"[::ffff:127.0.0.1]", 1},
    {"localhost", 1},
    {"LocalHost", 1},
    {"localhost.", 1},
    {"cb.localhost", 1},
    {"a.b.LOCALHOST.", 1},
    {"169.254.169.254", 1},
    {"2852039166", 1}, /* 169.254.169.254 as one number */
    {"100.100.100.200", 1},
    {"0", 1}, /* 0.0.0.0 */
    {"0x0", 1},
    {"10.1", 1},            /* 10.0.0.1 */
    {"192.168.0.1.", 1},    /* trailing dot */
    {"%31%32%37.0.0.1", 1}, /* percent-encoded, as curl decodes it */
    {"fe80::1%eth0", 1},
    {"fe80::1%25eth0", 1},
    {"::ffff:a9fe:a9fe", 1},
    {"8.8.8.8", 0},
    {"134744072", 0}, /* 8.8.8.8 as one number */
    {"2001:4860::8888", 0},
    {"[2001:4860:4860::8888]", 0},
    {"example.com", 0}, /* a name: judged where the request connects */
    {"localhost.example.com", 0},
    {"notlocalhost", 0},
    {"127.0.0.1.nip.io", 0},
    {"", 0},
    {"1.2.3.4.5", 0},
    {"::ffff:zz", 0},
};

static void test_host_table(void **state) {
    (void)state;
    for (size_t i = 0; i < N_ITEMS(host_cases); i++) {
        const struct host_case *c = &host_cases[i];
        int got = netaddr_host_internal(c->host, strlen(c->host));
        if (got != c->internal)
            print_error("\"%s\": internal %d, want %d\n", c->host, got, c->internal);
        assert_int_equal(got, c->internal);
    }
    /* Only len bytes count: "127.0.0.1" inside a longer authority. */
    const char *auth = "127.0.0.1:8080";
    assert_int_equal(netaddr_host_internal(auth, 9), 1);
    assert_int_equal(netaddr_host_internal("8.8.8.8:80", 7), 0);
    /* Too long for any name or literal. */
    char big[400];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(netaddr_host_internal(big, strlen(big)), 0);
}

static void test_host_named(void **state) {
    (void)state;
    const char *const names[] = {"127.0.0.1", "Hooks.Example.com", ".allowed.org", NULL, "",
                                 "[::1]",     "localhost"};
    int n = (int)N_ITEMS(names);
    const struct {
        const char *host;
        int named;
    } cases[] = {
        {"127.0.0.1", 1},
        {"hooks.example.com", 1},
        {"HOOKS.EXAMPLE.COM", 1},
        {"::1", 1},
        {"[::1]", 1},
        {"localhost", 1},
        {"127.0.0.2", 0},
        {"2130706433", 0},
        {"x.allowed.org", 0},
        {".allowed.org", 0},
        {"allowed.org", 0},
        {"example.com", 0},
        {"127.0.0.1.", 0},
        {"", 0},
    };
    for (size_t i = 0; i < N_ITEMS(cases); i++) {
        int got = netaddr_host_named(cases[i].host, strlen(cases[i].host), names, n);
        if (got != cases[i].named)
            print_error("\"%s\": named %d, want %d\n", cases[i].host, got, cases[i].named);
        assert_int_equal(got, cases[i].named);
    }
    assert_int_equal(netaddr_host_named("127.0.0.1", 9, NULL, 3), 0);
    assert_int_equal(netaddr_host_named("127.0.0.1:80", 9, names, n), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sockaddr_table),
        cmocka_unit_test(test_host_table),
        cmocka_unit_test(test_host_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
