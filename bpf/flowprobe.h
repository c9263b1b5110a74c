/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * flowprobe.h — the one record layout shared by the eBPF program, the loader
 * and the TypeScript decoder (services/node-agent/src/probe/layout.ts, checked
 * against this file by services/node-agent/test/probe-layout.test.ts).
 *
 * Everything the loader writes on stdout is a sequence of FLOWPROBE_RECORD_SIZE
 * byte records in host byte order; the first 4 bytes are the kind. Flow records
 * are the kernel map values themselves (kernel-private tail zeroed); the hello
 * and drain-end records are written by the loader only.
 *
 * Fields are naturally aligned with explicit padding, so the layout is the same
 * for clang -target bpf, gcc and the TS decoder.
 */
#ifndef FLOWPROBE_H
#define FLOWPROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define FLOWPROBE_ABI_VERSION 2
#define FLOWPROBE_RECORD_SIZE 192
#define FLOWPROBE_COMM_LEN 16

enum flowprobe_kind {
	FLOWPROBE_KIND_TCP = 1,
	FLOWPROBE_KIND_UDP = 2,
	FLOWPROBE_KIND_HELLO = 0x48454c4f,     /* "HELO": first record, load succeeded */
	FLOWPROBE_KIND_DRAIN_END = 0x454e4421, /* "END!": closes every drain */
};

/* flowprobe_flow.flags */
enum flowprobe_flag {
	FLOWPROBE_F_ACTIVE_OPEN = 1 << 0,  /* TCP: this end connect()ed (SYN_SENT seen) */
	FLOWPROBE_F_PASSIVE_OPEN = 1 << 1, /* TCP: this end accepted (SYN_RECV seen) */
	FLOWPROBE_F_MIDSTREAM = 1 << 2,    /* TCP: open not observed; counters start at first sight */
	FLOWPROBE_F_CLOSED = 1 << 3,       /* TCP reached CLOSE: last record for this id */
	FLOWPROBE_F_EVICTED = 1 << 4,      /* UDP idle or TCP socket vanished: last record for this id */
	FLOWPROBE_F_CONNECTED = 1 << 5,    /* UDP: the local socket is connect()ed to the peer */
	FLOWPROBE_F_BOUND_PORT = 1 << 6,   /* UDP: local port chosen by bind(), not auto-assigned */
	/* TCP connection outcome (issue 22): */
	FLOWPROBE_F_ESTABLISHED = 1 << 7,  /* TCP: handshake completed under observation */
	FLOWPROBE_F_REFUSED = 1 << 8,      /* TCP: connect answered by RST (ECONNREFUSED) */
	FLOWPROBE_F_TIMEOUT = 1 << 9,      /* TCP: connect gave up, SYN retries exhausted (ETIMEDOUT) */
	FLOWPROBE_F_RESET_RECEIVED = 1 << 10, /* TCP: established, then reset by the peer */
	FLOWPROBE_F_RESET_SENT = 1 << 11,  /* TCP: established, then reset by this end */
};

/* Per-CPU counters (cumulative since load), summed into the drain-end record. */
enum flowprobe_counter {
	FLOWPROBE_CNT_TCP_MAP_FULL = 0,    /* new TCP sockets not tracked: map full */
	FLOWPROBE_CNT_UDP_MAP_FULL,        /* UDP datagrams not counted: map full */
	FLOWPROBE_CNT_UDP_PEER_UNKNOWN,    /* UDP datagrams whose peer address was not visible */
	FLOWPROBE_CNT_TCP_VANISHED,        /* TCP entries whose socket went away without a close event */
	FLOWPROBE_CNT_TCP_OPENED,          /* TCP sockets opened under observation */
	FLOWPROBE_CNT_TCP_CLOSED,          /* TCP sockets closed under observation */
	FLOWPROBE_CNT_UDP_EVICTED,         /* idle UDP entries evicted by the loader */
	FLOWPROBE_CNT_MAX,
};

/* Addresses are 16 bytes; IPv4 (including v4-mapped IPv6) sits in the first 4
 * with family AF_INET (2), IPv6 uses all 16 with family AF_INET6 (10). Ports
 * are host byte order. l = this host's end, r = the peer. */
struct flowprobe_tuple {
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 _pad;
};

/* Key of the UDP map: one entry per (netns, local socket address, peer). The
 * local address is the socket's bound address: zero for a socket bound to the
 * wildcard and not connected (the kernel does not say which of the host's
 * addresses such a datagram used; the agent fills in the namespace's). */
struct flowprobe_udp_key {
	__u32 netns_ino;
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 _pad;
	__u8 laddr[16];
	__u8 raddr[16];
};

/* Value of both flow maps and the flow record on the wire. Counters are
 * cumulative since the probe first saw the flow; the consumer subtracts the
 * previous record with the same (kind, netns_ino, id) to get per-window
 * deltas. A record flagged CLOSED or EVICTED is the last one with that id. */
struct flowprobe_flow {
	__u32 kind;          /* FLOWPROBE_KIND_TCP / _UDP */
	__u32 flags;         /* FLOWPROBE_F_* */
	__u64 id;            /* TCP: socket cookie; UDP: creation time of the entry (ns) */
	struct flowprobe_tuple t;
	__u32 netns_ino;     /* network namespace inode of the socket */
	__u32 pid;           /* tgid of the last process seen using the socket (0: unknown yet) */
	__u32 tid;           /* its thread id */
	__u32 srtt_us;       /* TCP smoothed RTT, microseconds (0 for UDP) */
	__u64 cgroup_id;     /* cgroup v2 id of that process */
	char comm[FLOWPROBE_COMM_LEN];
	__u64 bytes_sent;    /* TCP: payload bytes transmitted (each once); UDP: payload bytes */
	__u64 bytes_received;/* TCP: payload bytes received in order; UDP: payload bytes */
	__u64 packets_sent;  /* TCP: segments sent incl. retransmits and pure ACKs; UDP: datagrams */
	__u64 packets_received;
	__u32 retransmits;   /* TCP: segments retransmitted */
	__u32 state;         /* TCP state at the last update (TCP_ESTABLISHED = 1, ...) */
	__u64 first_ns;      /* CLOCK_MONOTONIC when the entry was created */
	__u64 last_ns;       /* CLOCK_MONOTONIC of the last counter change */
	/* Kernel-private: where to refresh TCP counters from and the counters at
	 * first sight. The loader zeroes these before writing the record. */
	__u64 priv_sk;
	__u64 base_bytes_sent;
	__u64 base_bytes_received;
	__u32 base_segs_out;
	__u32 base_segs_in;
	__u32 base_retrans;
	__u32 _pad;
};

/* First record the loader writes: the probe is loaded and attached. */
struct flowprobe_hello {
	__u32 kind;          /* FLOWPROBE_KIND_HELLO */
	__u32 abi_version;   /* FLOWPROBE_ABI_VERSION */
	__u32 netns_ino;     /* netns filter, 0 = every namespace */
	__u32 features;      /* FLOWPROBE_FEAT_* */
	__u32 tcp_max_entries;
	__u32 udp_max_entries;
	__u32 loader_pid;
	__u32 _pad;
	__u8 _reserved[FLOWPROBE_RECORD_SIZE - 32];
};

enum flowprobe_feature {
	FLOWPROBE_FEAT_UDP_PEER = 1 << 0,      /* sys_exit hook resolves peers of unconnected UDP sockets */
	FLOWPROBE_FEAT_TCP_REFRESH = 1 << 1,   /* TCP counters refreshed from the socket at each drain */
};

/* Closes every drain: the flow records before it are one consistent snapshot. */
struct flowprobe_drain_end {
	__u32 kind;          /* FLOWPROBE_KIND_DRAIN_END */
	__u32 abi_version;
	__u64 records;       /* flow records written in this drain */
	__u64 mono_ns;       /* CLOCK_MONOTONIC at drain start (clock of first_ns/last_ns) */
	__u64 realtime_ns;   /* CLOCK_REALTIME read together with mono_ns */
	__u64 drain_ns;      /* time the loader spent on this drain */
	__u32 tcp_entries;   /* entries left in the maps after the drain */
	__u32 udp_entries;
	__u32 tcp_max_entries;
	__u32 udp_max_entries;
	__u64 counters[FLOWPROBE_CNT_MAX]; /* cumulative since load, all CPUs */
	__u8 _reserved[FLOWPROBE_RECORD_SIZE - 56 - 8 * FLOWPROBE_CNT_MAX];
};

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct flowprobe_flow) == FLOWPROBE_RECORD_SIZE, "flow record size");
_Static_assert(sizeof(struct flowprobe_hello) == FLOWPROBE_RECORD_SIZE, "hello record size");
_Static_assert(sizeof(struct flowprobe_drain_end) == FLOWPROBE_RECORD_SIZE, "drain-end record size");
_Static_assert(sizeof(struct flowprobe_udp_key) == 44, "udp key size");
#endif

#endif /* FLOWPROBE_H */
