#ifndef CLASHUP_NETLINK_H
#define CLASHUP_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Opens a netlink socket of `protocol` (NETLINK_ROUTE 0, NETLINK_NETFILTER 12) bound to a
/// kernel-chosen port id, with extended and capped acknowledgements, strict dump checking and
/// the given receive buffer (forced past the system limit when allowed). With
/// `namespace_path` (a file such as /run/netns/NAME), the socket belongs to that network
/// namespace: the calling thread enters it only for the socket call and returns at once.
/// Returns the descriptor, or -errno.
int clashup_netlink_open(int protocol, const char *namespace_path, int receive_buffer);

/// Takes CAP_NET_ADMIN out of the calling thread's effective set (lower = 1) or puts it back
/// from the permitted set (lower = 0). Capabilities are per thread and the kernel checks the
/// sender's, so tests use it to see what an agent without the capability sees. Returns 0 or
/// -errno.
int clashup_netlink_lower_admin(int lower);

/// Sends one buffer of concatenated messages to the kernel. Returns bytes sent or -errno.
ssize_t clashup_netlink_send(int fd, const uint8_t *bytes, size_t length);

/// Receives one datagram into buffer, waiting up to timeout_ms. Returns its length, 0 on
/// timeout, -EMSGSIZE when it did not fit (it is dropped), or -errno.
ssize_t clashup_netlink_receive(int fd, uint8_t *buffer, size_t capacity, int timeout_ms);

/// Opens a network namespace file for IFLA_NET_NS_FD. Returns the descriptor or -errno.
int clashup_netlink_open_namespace(const char *path);

/// 1 when the calling thread has CAP_NET_ADMIN in its effective set, 0 when not, -errno when
/// it cannot tell.
int clashup_netlink_has_admin(void);

void clashup_netlink_close(int fd);

#endif
