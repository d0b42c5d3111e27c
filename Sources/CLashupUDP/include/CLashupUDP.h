#ifndef CLASHUP_UDP_H
#define CLASHUP_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/// Opens a UDP socket bound to host:port with SO_REUSEADDR, SO_REUSEPORT when reuse_port is
/// non-zero (so several sockets share the port), the given receive buffer and receive timeout.
/// Returns the file descriptor, or -errno; *bound_port receives the port (when port is 0).
int clashup_udp_bind(const char *host, int port, int reuse_port, int receive_buffer, int timeout_ms, int *bound_port);

/// Receives up to `count` datagrams (recvmmsg; waits for the first, up to the receive
/// timeout). Datagram i lands at buffer + i * slot, its length in lengths[i] (datagrams longer
/// than slot are cut: truncated[i] is 1), its sender in addresses[i] / address_lengths[i].
/// Returns the number received, 0 on timeout, or -errno.
int clashup_udp_receive(int fd, uint8_t *buffer, size_t slot, unsigned count, struct sockaddr_storage *addresses,
                        uint32_t *address_lengths, uint32_t *lengths, uint8_t *truncated);

/// Sends `count` datagrams (sendmmsg): datagram i is lengths[i] bytes at buffer + i * slot, to
/// addresses[i]. Returns the number sent or -errno.
int clashup_udp_send(int fd, const uint8_t *buffer, size_t slot, unsigned count, const struct sockaddr_storage *addresses,
                     const uint32_t *address_lengths, const uint32_t *lengths);

/// Sends one datagram (sendto). Returns bytes sent or -errno.
int clashup_udp_send_one(int fd, const uint8_t *bytes, size_t length, const struct sockaddr_storage *address, uint32_t address_length);

/// Closes the socket.
void clashup_udp_close(int fd);

#endif
