/* tcp_fault: a loopback TCP endpoint that misbehaves on purpose, for the S3 failure tests -
 * RESET closes every connection at once (RST), SILENT accepts and never answers, PROXY forwards
 * to a real server but answers the first `fail_first` connections with HTTP 503 and drops any
 * connection whose client bytes contain `drop_match`, or cuts the first forwarded answer short. */
#ifndef REELCUT_TEST_TCP_FAULT_H
#define REELCUT_TEST_TCP_FAULT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum tcp_fault_mode { FAULT_RESET, FAULT_SILENT, FAULT_PROXY };

#define TCP_FAULT_MAX_CONN 64

typedef struct tcp_fault {
    enum tcp_fault_mode mode;
    int upstream_port;      /* PROXY */
    const char *drop_match; /* PROXY: NULL = forward everything */
    int fail_first;         /* PROXY: connections answered 503 before forwarding starts */
    int cut_conn;           /* PROXY: cut_after applies to forwarded connection cut_conn + 1 */
    long cut_after;         /* PROXY: the first forwarded connection is reset after this many
                             * bytes from the server (0 = never) */
    int port;               /* where it listens (set by tcp_fault_start) */
    atomic_int accepted, dropped;
    /* private */
    int listen_fd, stop[2];
    pthread_t thread;
    pthread_t conn_threads[TCP_FAULT_MAX_CONN];
    int conn_fds[TCP_FAULT_MAX_CONN];
    int n_conn;
} tcp_fault;

typedef struct tcp_fault_conn {
    tcp_fault *tf;
    int fd;
    long cut_after;
} tcp_fault_conn;

static inline void tcp_fault_rst(int fd) {
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

static inline int tcp_fault_write_all(int fd, const char *p, ssize_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, (size_t)n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= w;
    }
    return 0;
}

static inline void *tcp_fault_conn_main(void *arg) {
    tcp_fault_conn *c = arg;
    tcp_fault *tf = c->tf;
    int cfd = c->fd, ufd = socket(AF_INET, SOCK_STREAM, 0);
    long budget = c->cut_after; /* bytes from the server still to forward; 0 = unlimited */
    struct sockaddr_in up = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)tf->upstream_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    free(c);
    if (ufd < 0 || connect(ufd, (struct sockaddr *)&up, sizeof(up)) != 0)
        goto out;
    char *data = malloc(1 << 16);
    if (!data)
        goto out;
    for (;;) {
        struct pollfd p[3] = {{cfd, POLLIN, 0}, {ufd, POLLIN, 0}, {tf->stop[0], POLLIN, 0}};
        if (poll(p, 3, -1) < 0 || p[2].revents)
            break;
        if (p[0].revents) {
            ssize_t n = recv(cfd, data, (1 << 16) - 1, 0);
            if (n <= 0)
                break;
            data[n] = '\0';
            if (tf->drop_match && memmem(data, (size_t)n, tf->drop_match, strlen(tf->drop_match))) {
                atomic_fetch_add(&tf->dropped, 1);
                tcp_fault_rst(cfd);
                cfd = -1;
                break;
            }
            if (tcp_fault_write_all(ufd, data, n))
                break;
        }
        if (p[1].revents) {
            ssize_t n = recv(ufd, data, 1 << 16, 0);
            if (budget > 0 && n >= budget) {
                tcp_fault_write_all(cfd, data, budget);
                atomic_fetch_add(&tf->dropped, 1);
                tcp_fault_rst(cfd);
                cfd = -1;
                break;
            }
            if (budget > 0)
                budget -= n;
            if (n <= 0 || tcp_fault_write_all(cfd, data, n))
                break;
        }
    }
    free(data);
out:
    if (ufd >= 0)
        close(ufd);
    if (cfd >= 0)
        close(cfd);
    return NULL;
}

static inline void *tcp_fault_main(void *arg) {
    tcp_fault *tf = arg;
    for (;;) {
        struct pollfd p[2] = {{tf->listen_fd, POLLIN, 0}, {tf->stop[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 || p[1].revents)
            break;
        int fd = accept(tf->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        atomic_fetch_add(&tf->accepted, 1);
        if (tf->mode == FAULT_RESET) {
            char junk[4096];
            struct pollfd in = {fd, POLLIN, 0};
            if (poll(&in, 1, 200) > 0)
                (void)!recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
            tcp_fault_rst(fd);
        } else if (tf->n_conn >= TCP_FAULT_MAX_CONN) {
            close(fd);
        } else if (tf->mode == FAULT_SILENT) {
            tf->conn_fds[tf->n_conn++] = fd;
        } else if (atomic_load(&tf->accepted) <= tf->fail_first) {
            static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\n\r\n";
            char junk[4096];
            struct pollfd in = {fd, POLLIN, 0};
            if (poll(&in, 1, 1000) > 0)
                (void)!recv(fd, junk, sizeof(junk), 0);
            tcp_fault_write_all(fd, busy, (ssize_t)strlen(busy));
            shutdown(fd, SHUT_WR);
            close(fd);
        } else {
            tcp_fault_conn *c = malloc(sizeof(*c));
            c->tf = tf;
            c->fd = fd;
            c->cut_after =
                atomic_load(&tf->accepted) == tf->fail_first + 1 + tf->cut_conn ? tf->cut_after : 0;
            tf->conn_fds[tf->n_conn] = -1;
            pthread_create(&tf->conn_threads[tf->n_conn++], NULL, tcp_fault_conn_main, c);
        }
    }
    return NULL;
}

/* Listens on a free loopback port (tf->port) and serves in a thread. Returns 0 or -1. */
static inline int tcp_fault_start(tcp_fault *tf) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    tf->n_conn = 0;
    atomic_store(&tf->accepted, 0);
    atomic_store(&tf->dropped, 0);
    tf->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (tf->listen_fd < 0 || bind(tf->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(tf->listen_fd, 16) != 0 ||
        getsockname(tf->listen_fd, (struct sockaddr *)&a, &len) != 0 || pipe(tf->stop) != 0)
        return -1;
    tf->port = ntohs(a.sin_port);
    return pthread_create(&tf->thread, NULL, tcp_fault_main, tf) == 0 ? 0 : -1;
}

/* Stops the threads and closes every socket. */
static inline void tcp_fault_stop(tcp_fault *tf) {
    (void)!write(tf->stop[1], "x", 1);
    pthread_join(tf->thread, NULL);
    for (int i = 0; i < tf->n_conn; i++) {
        if (tf->mode == FAULT_PROXY)
            pthread_join(tf->conn_threads[i], NULL);
        else
            close(tf->conn_fds[i]);
    }
    close(tf->listen_fd);
    close(tf->stop[0]);
    close(tf->stop[1]);
}

#endif
