#include "blob/blob_net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "util/log.h"
#include "util/netaddr.h"

enum blob_net_reach blob_net_reach_of(const char *url, const char *const *names, int n) {
    enum blob_net_reach reach = BLOB_NET_PUBLIC;
    char *host = NULL;
    CURLU *u = curl_url();
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        netaddr_host_named(host, strlen(host), names, n))
        reach = BLOB_NET_NAMED;
    curl_free(host);
    curl_url_cleanup(u);
    return reach;
}

/* CURLOPT_OPENSOCKETFUNCTION for BLOB_NET_PUBLIC: every address curl tries (each one a name
 * resolved to, for every connection) passes here before a socket exists. */
static curl_socket_t open_public(void *user, curlsocktype purpose, struct curl_sockaddr *a) {
    (void)user;
    if (purpose != CURLSOCKTYPE_IPCXN || netaddr_sockaddr_internal(&a->addr, (size_t)a->addrlen)) {
        char shown[INET6_ADDRSTRLEN] = "?";
        if (a->family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->addr)->sin_addr, shown,
                      sizeof(shown));
        else if (a->family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->addr)->sin6_addr, shown,
                      sizeof(shown));
        log_warn("refused to connect to %s: an internal address, and the host is not named in "
                 "the allow list",
                 shown);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

void blob_net_restrict(CURL *h, enum blob_net_reach reach) {
    if (reach == BLOB_NET_ANY)
        return;
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    if (reach == BLOB_NET_PUBLIC)
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_public);
}
