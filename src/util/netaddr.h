/* netaddr: whether a network address is internal (loopback, private, link-local, CGNAT, multicast,
 * reserved, and IPv6 forms that embed such an IPv4 address) - the rule that keeps requests made
 * on a user's behalf (callbacks, URL inputs, per-job S3 endpoints) away from the service's own
 * network. Pure: no I/O, no name resolution. */
#ifndef REELCUT_NETADDR_H
#define REELCUT_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* 1 if the IPv4 address addr (host byte order) is internal: 0/8, 10/8, 100.64/10, 127/8,
 * 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15,
 * 198.51.100/24, 203.0.113/24, 224/4 (multicast), 240/4 (reserved, broadcast). Else 0. */
int netaddr_ipv4_internal(uint32_t addr);

/* 1 if the IPv6 address addr (network byte order) is internal: ::/96 (unspecified, loopback,
 * IPv4-compatible), IPv4-mapped ::ffff:0:0/96 and IPv4-translated ::ffff:0:0:0/96, NAT64
 * 64:ff9b::/96 and 6to4 2002::/16 when their IPv4 address is, 64:ff9b:1::/48, 100::/64, Teredo
 * 2001::/32, 2001:db8::/32, fc00::/7, fe80::/10, fec0::/10, ff00::/8. Else 0. */
int netaddr_ipv6_internal(const unsigned char addr[16]);

/* 1 if sa (len bytes) is an internal AF_INET / AF_INET6 address, or of any other family (refused
 * alike); 0 for a public address. */
int netaddr_sockaddr_internal(const struct sockaddr *sa, size_t len);

/* 1 if host (len bytes, an IPv6 literal without its brackets; percent-escapes decoded) is an
 * internal address literal in any spelling the resolver accepts - inet_aton's (2130706433,
 * 0x7f000001, 0177.0.0.1, 127.1) or inet_pton's for IPv6 (::ffff:127.0.0.1, a %zone ignored) -
 * or "localhost" / a name under ".localhost" (RFC 6761), a trailing "." ignored. 0 for public
 * literals and for other names: those are judged on the address actually connected to. */
int netaddr_host_internal(const char *host, size_t len);

/* 1 if host (len bytes) equals one of the n names exactly, ignoring case, the brackets of an
 * IPv6 literal on either side and NULL or empty entries. Entries starting with "." (domain
 * patterns) never match: only a host the operator named is exempt from the rule. */
int netaddr_host_named(const char *host, size_t len, const char *const *names, int n);

#endif
