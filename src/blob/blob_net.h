/* blob_net: the address rule on libcurl handles that make requests on a user's behalf (callbacks,
 * http(s) inputs, per-job S3 endpoints). The check runs on the address curl is about to connect
 * to, after every resolution, so any spelling of a host (2130706433, 127.1, [::ffff:127.0.0.1],
 * localhost, a DNS name that resolves inside) meets the same rule (util/netaddr.h). */
#ifndef REELCUT_BLOB_NET_H
#define REELCUT_BLOB_NET_H

#include <curl/curl.h>

/* What a request may reach. */
enum blob_net_reach {
    BLOB_NET_ANY = 0, /* the operator's own configuration (s3.endpoint): unrestricted */
    BLOB_NET_PUBLIC,  /* a user's target: public addresses only */
    BLOB_NET_NAMED,   /* a user's target whose host the operator named: any address */
};

/* BLOB_NET_NAMED if the host of url, as libcurl parses it (so 2130706433 is 127.0.0.1), is one
 * of the n names exactly (netaddr_host_named: ".domain" patterns do not count), else
 * BLOB_NET_PUBLIC (also for a URL curl cannot parse). */
enum blob_net_reach blob_net_reach_of(const char *url, const char *const *names, int n);

/* Sets h up for a request with the given reach: for BLOB_NET_PUBLIC a socket is opened only for
 * a public address (an internal one fails like a closed port, with a warning in the log, before
 * any packet is sent); for PUBLIC and NAMED also http/https only, no redirects and no proxy
 * (a proxy would choose the address). BLOB_NET_ANY changes nothing. Call after every
 * curl_easy_reset(); thread-safe (the callback keeps no state). */
void blob_net_restrict(CURL *h, enum blob_net_reach reach);

#endif
