#include "util/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "util/ids.h"

/* Internal IPv4 blocks: network (host order) and prefix length. */
static const struct {
    uint32_t net;
    int bits;
} ipv4_blocks[] = {
    {0x00000000u, 8},  /* 0/8 "this network"; 0.0.0.0 reaches the local host on Linux */
    {0x0a000000u, 8},  /* 10/8 private */
    {0x64400000u, 10}, /* 100.64/10 CGNAT (and cloud metadata such as 100.100.100.200) */
    {0x7f000000u, 8},  /* 127/8 loopback */
    {0xa9fe0000u, 16}, /* 169.254/16 link-local (cloud metadata 169.254.169.254) */
    {0xac100000u, 12}, /* 172.16/12 private */
    {0xc0000000u, 24}, /* 192.0.0/24 IETF protocol assignments */
    {0xc0000200u, 24}, /* 192.0.2/24 documentation */
    {0xc0586300u, 24}, /* 192.88.99/24 6to4 relays */
    {0xc0a80000u, 16}, /* 192.168/16 private */
    {0xc6120000u, 15}, /* 198.18/15 benchmarking */
    {0xc6336400u, 24}, /* 198.51.100/24 documentation */
    {0xcb007100u, 24}, /* 203.0.113/24 documentation */
    {0xe0000000u, 4},  /* 224/4 multicast */
    {0xf0000000u, 4},  /* 240/4 reserved, 255.255.255.255 broadcast */
};

int netaddr_ipv4_internal(uint32_t addr) {
    for (size_t i = 0; i < sizeof(ipv4_blocks) / sizeof(ipv4_blocks[0]); i++) {
        uint32_t mask = 0xffffffffu << (32 - ipv4_blocks[i].bits);
        if ((addr & mask) == ipv4_blocks[i].net)
            return 1;
    }
    return 0;
}

static uint32_t ipv4_at(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* 1 if the first n bytes of a are zero. */
static int zeros(const unsigned char *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i])
            return 0;
    return 1;
}

int netaddr_ipv6_internal(const unsigned char a[16]) {
    if (zeros(a, 12)) /* ::, ::1, IPv4-compatible ::a.b.c.d (deprecated, never routed) */
        return 1;
    if (zeros(a, 10) && a[10] == 0xff && a[11] == 0xff) /* IPv4-mapped ::ffff:a.b.c.d */
        return netaddr_ipv4_internal(ipv4_at(a + 12));
    if (zeros(a, 8) && a[8] == 0xff && a[9] == 0xff && !a[10] && !a[11]) /* ::ffff:0:a.b.c.d */
        return netaddr_ipv4_internal(ipv4_at(a + 12));
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) {
        if (zeros(a + 4, 8)) /* NAT64 64:ff9b::a.b.c.d */
            return netaddr_ipv4_internal(ipv4_at(a + 12));
        return !a[4] && a[5] == 0x01; /* 64:ff9b:1::/48 local-use NAT64 */
    }
    if (a[0] == 0x01 && a[1] == 0x00 && zeros(a + 2, 6)) /* 100::/64 discard-only */
        return 1;
    if (a[0] == 0x20 && a[1] == 0x01 && ((!a[2] && !a[3]) || (a[2] == 0x0d && a[3] == 0xb8)))
        return 1; /* 2001::/32 Teredo (tunnels to any IPv4), 2001:db8::/32 documentation */
    if (a[0] == 0x20 && a[1] == 0x02) /* 6to4 2002:a.b.c.d::/48 */
        return netaddr_ipv4_internal(ipv4_at(a + 2));
    if ((a[0] & 0xfe) == 0xfc) /* fc00::/7 unique-local */
        return 1;
    if (a[0] == 0xfe && (a[1] & 0xc0) >= 0x80) /* fe80::/10 link-local, fec0::/10 site-local */
        return 1;
    return a[0] == 0xff; /* ff00::/8 multicast */
}

int netaddr_sockaddr_internal(const struct sockaddr *sa, size_t len) {
    if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return netaddr_ipv4_internal(ntohl(in->sin_addr.s_addr));
    }
    if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return netaddr_ipv6_internal(in6->sin6_addr.s6_addr);
    }
    return 1;
}

/* Strips the brackets of an IPv6 literal from [*s, *s + *len). */
static void strip_brackets(const char **s, size_t *len) {
    if (*len >= 2 && (*s)[0] == '[' && (*s)[*len - 1] == ']') {
        (*s)++;
        *len -= 2;
    }
}

int netaddr_host_internal(const char *host, size_t len) {
    char buf[256];
    size_t n = 0;
    strip_brackets(&host, &len);
    for (size_t i = 0; i < len; i++) {
        if (n + 1 >= sizeof(buf))
            return 0; /* longer than any name or literal the resolver takes */
        int hi = host[i] == '%' && i + 2 < len ? ids_hex_value((unsigned char)host[i + 1]) : -1;
        int lo = hi >= 0 ? ids_hex_value((unsigned char)host[i + 2]) : -1;
        if (lo >= 0 && (hi || lo)) {
            buf[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            buf[n++] = host[i];
        }
    }
    if (n > 0 && buf[n - 1] == '.')
        n--;
    buf[n] = '\0';
    static const char lh[] = "localhost";
    size_t lhn = sizeof(lh) - 1;
    if (n >= lhn && strcasecmp(buf + n - lhn, lh) == 0 && (n == lhn || buf[n - lhn - 1] == '.'))
        return 1;
    if (strchr(buf, ':')) {
        buf[strcspn(buf, "%")] = '\0'; /* the zone of fe80::1%eth0 */
        struct in6_addr a6;
        return inet_pton(AF_INET6, buf, &a6) == 1 && netaddr_ipv6_internal(a6.s6_addr);
    }
    struct in_addr a4;
    return inet_aton(buf, &a4) != 0 && netaddr_ipv4_internal(ntohl(a4.s_addr));
}

int netaddr_host_named(const char *host, size_t len, const char *const *names, int n) {
    strip_brackets(&host, &len);
    for (int i = 0; names && i < n; i++) {
        const char *e = names[i];
        size_t elen = e ? strlen(e) : 0;
        strip_brackets(&e, &elen);
        if (elen > 0 && e[0] != '.' && elen == len && strncasecmp(host, e, len) == 0)
            return 1;
    }
    return 0;
}
