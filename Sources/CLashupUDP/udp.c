#define _GNU_SOURCE
#include "CLashupUDP.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

int clashup_udp_bind(const char *host, int port, int reuse_port, int receive_buffer, int timeout_ms, int *bound_port) {
    struct sockaddr_storage address;
    socklen_t length;
    memset(&address, 0, sizeof(address));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
    int family;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        family = AF_INET;
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        length = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        family = AF_INET6;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        length = sizeof(*v6);
    } else {
        return -EINVAL;
    }
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    struct timeval timeout = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0 ||
        (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
        bind(fd, (struct sockaddr *)&address, length) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof(bound);
    if (getsockname(fd, (struct sockaddr *)&bound, &bound_length) == 0) {
        *bound_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port : ((struct sockaddr_in6 *)&bound)->sin6_port);
    }
    return fd;
}

enum { CLASHUP_BATCH = 64 };

int clashup_udp_receive(int fd, uint8_t *buffer, size_t slot, unsigned count, struct sockaddr_storage *addresses,
                        uint32_t *address_lengths, uint32_t *lengths, uint8_t *truncated) {
    struct mmsghdr messages[CLASHUP_BATCH];
    struct iovec vectors[CLASHUP_BATCH];
    if (count > CLASHUP_BATCH) count = CLASHUP_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = buffer + i * slot;
        vectors[i].iov_len = slot;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = &addresses[i];
        messages[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    }
    int received = recvmmsg(fd, messages, count, MSG_WAITFORONE, NULL);
    if (received < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
    for (int i = 0; i < received; i++) {
        lengths[i] = messages[i].msg_len;
        address_lengths[i] = messages[i].msg_hdr.msg_namelen;
        truncated[i] = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return received;
}

int clashup_udp_send(int fd, const uint8_t *buffer, size_t slot, unsigned count, const struct sockaddr_storage *addresses,
                     const uint32_t *address_lengths, const uint32_t *lengths) {
    struct mmsghdr messages[CLASHUP_BATCH];
    struct iovec vectors[CLASHUP_BATCH];
    if (count > CLASHUP_BATCH) count = CLASHUP_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = (void *)(buffer + i * slot);
        vectors[i].iov_len = lengths[i];
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = (void *)&addresses[i];
        messages[i].msg_hdr.msg_namelen = address_lengths[i];
    }
    unsigned sent = 0;
    while (sent < count) {
        int result = sendmmsg(fd, messages + sent, count - sent, 0);
        if (result < 0) {
            if (errno == EINTR) continue;
            // One bad destination (ICMP error queued, EPERM…) must not stop the rest: skip it.
            sent += 1;
            continue;
        }
        sent += (unsigned)result;
    }
    return (int)sent;
}

int clashup_udp_send_one(int fd, const uint8_t *bytes, size_t length, const struct sockaddr_storage *address, uint32_t address_length) {
    ssize_t sent = sendto(fd, bytes, length, 0, (const struct sockaddr *)address, address_length);
    return sent < 0 ? -errno : (int)sent;
}

void clashup_udp_close(int fd) { close(fd); }
