#define _GNU_SOURCE
#include "CLashupNetlink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <sys/syscall.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

static int open_in_current(int protocol, int receive_buffer) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) return -errno;
    int one = 1;
    // Best effort: older kernels lack some options, and nothing depends on them for safety.
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
    if (receive_buffer > 0) {
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) != 0) {
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
    }
    struct sockaddr_nl address;
    memset(&address, 0, sizeof address);
    address.nl_family = AF_NETLINK;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

int clashup_netlink_lower_admin(int lower) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -errno;
    if (lower) {
        data[0].effective &= ~(1u << CAP_NET_ADMIN);
    } else {
        data[0].effective |= data[0].permitted & (1u << CAP_NET_ADMIN);
    }
    return syscall(SYS_capset, &header, data) == 0 ? 0 : -errno;
}

int clashup_netlink_has_admin(void) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -errno;
    return (data[0].effective & (1u << CAP_NET_ADMIN)) ? 1 : 0;
}

int clashup_netlink_open(int protocol, const char *namespace_path, int receive_buffer) {
    if (namespace_path == NULL) return open_in_current(protocol, receive_buffer);
    int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) return -errno;
    int target = open(namespace_path, O_RDONLY | O_CLOEXEC);
    if (target < 0) {
        int error = errno;
        close(original);
        return -error;
    }
    if (setns(target, CLONE_NEWNET) != 0) {
        int error = errno;
        close(target);
        close(original);
        return -error;
    }
    int fd = open_in_current(protocol, receive_buffer);
    // Back to where the thread was, whatever happened: it is shared with other work.
    int restored = setns(original, CLONE_NEWNET);
    close(target);
    close(original);
    if (restored != 0) {
        // The thread would go on in the wrong namespace, and whatever runs on it next (the
        // agent's own sockets, another namespace's changes) would act on the wrong host.
        // Nothing can make that safe: stop the process.
        fprintf(stderr, "lashup: cannot return to the original network namespace: %s\n", strerror(errno));
        abort();
    }
    return fd;
}

ssize_t clashup_netlink_send(int fd, const uint8_t *bytes, size_t length) {
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    for (;;) {
        ssize_t sent = sendto(fd, bytes, length, 0, (struct sockaddr *)&kernel, sizeof kernel);
        if (sent >= 0) return sent;
        if (errno != EINTR) return -errno;
    }
}

ssize_t clashup_netlink_receive(int fd, uint8_t *buffer, size_t capacity, int timeout_ms) {
    // Acknowledgements of a batch are queued already: read without waiting first, and poll
    // only when nothing is there (one system call per reply instead of two).
    for (;;) {
        ssize_t length = recv(fd, buffer, capacity, MSG_TRUNC | MSG_DONTWAIT);
        if (length >= 0) return (size_t)length > capacity ? -EMSGSIZE : length;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
        break;
    }
    struct pollfd waiting = {.fd = fd, .events = POLLIN};
    for (;;) {
        int ready = poll(&waiting, 1, timeout_ms);
        if (ready == 0) return 0;
        if (ready < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        ssize_t length = recv(fd, buffer, capacity, MSG_TRUNC);
        if (length < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if ((size_t)length > capacity) return -EMSGSIZE;
        return length;
    }
}

int clashup_netlink_open_namespace(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

void clashup_netlink_close(int fd) { close(fd); }
