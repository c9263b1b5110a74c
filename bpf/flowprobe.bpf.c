// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flowprobe: per-socket TCP and UDP conversation counters, attributed to the
 * process and cgroup that use the socket. CO-RE, BTF tracepoints only (no
 * kprobes, no fentry). See docs/probe.md for what is counted where.
 *
 *  TCP  inet_sock_set_state   open (who opened), close (final counters)
 *       sock_send/recv_length  owner process; sockets opened before the probe
 *       iter/bpf_map_elem      counters refreshed from struct tcp_sock at drain
 *  UDP  sock_send/recv_length  datagrams; the peer of a connected socket
 *       sys_exit               the peer of an unconnected socket, from the
 *                              address given to sendto/sendmsg or returned by
 *                              recvfrom/recvmsg
 * Nothing runs per packet.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "flowprobe.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define E2BIG 7
#define AF_INET 2
#define AF_INET6 10
#define MSG_PEEK 0x2
#define MSG_ERRQUEUE 0x2000
#define SOCK_BINDPORT_LOCK 8
#define RCV_SHUTDOWN 1
#define IP_OFFSET_MASK 0x1fff
#define MAX_MMSG 1024 /* UIO_MAXIOV, the most sendmmsg()/recvmmsg() handle */

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SENDMSG 46
#define NR_RECVMSG 47
#define NR_RECVMMSG 299
#define NR_SENDMMSG 307
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((regs)->syscallno)
#define NR_SENDTO 206
#define NR_RECVFROM 207
#define NR_SENDMSG 211
#define NR_RECVMSG 212
#define NR_RECVMMSG 243
#define NR_SENDMMSG 269
#else
#error "flowprobe: unsupported architecture (set __TARGET_ARCH_x86 or __TARGET_ARCH_arm64)"
#endif

/* user-space struct msghdr / struct mmsghdr on 64-bit ABIs */
#define MSGHDR_SIZE 56
#define MMSGHDR_SIZE 64

/* Tunables, set by the loader before load. */
const volatile __u32 filter_netns_ino = 0; /* 0 = every network namespace */
/* Set by the loader when the kernel refuses the drain-time map iterator:
 * TCP counters are then read at every send/recv instead, so they stay
 * current between state changes (a few CO-RE reads per syscall). */
const volatile bool snapshot_on_syscall = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* the loader may resize before load */
	__type(key, __u64);         /* socket cookie */
	__type(value, struct flowprobe_flow);
} tcp_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flowprobe_udp_key);
	__type(value, struct flowprobe_flow);
} udp_flows SEC(".maps");

/* A datagram sent or received on an unconnected UDP socket, waiting for
 * sys_exit to reveal the peer: the address the caller passed to sendto/
 * sendmsg, or the one the kernel wrote back for recvfrom/recvmsg. The user
 * memory is the same on both ways: a sockaddr pointer in the same argument. */
enum udp_direction { UDP_RECEIVED = 0, UDP_SENT = 1 };

struct udp_pending {
	__u32 netns_ino;
	__u16 lfamily; /* family of laddr (v4-mapped bound addresses normalized) */
	__u16 lport;
	__u8 laddr[16]; /* bound address, zero for the wildcard */
	__u32 flags;
	__u32 direction;
	__u32 messages;
	__u32 _pad;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* thread id */
	__type(value, struct udp_pending);
} udp_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOWPROBE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count_n(__u32 which, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);
	if (c)
		*c += n;
}

static __always_inline void count(__u32 which)
{
	count_n(which, 1);
}

/*
 * Hot paths read through the BTF pointers the tracepoints hand us with plain
 * (CO-RE relocated, fault-safe) loads; bpf_probe_read_kernel, a helper call
 * per field, is kept for pointers the verifier only knows as numbers (the
 * drain-time iterator) and for packet bytes.
 */
static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline bool netns_wanted(__u32 ino)
{
	return filter_netns_ino == 0 || ino == filter_netns_ino;
}

/* Process context: the caller is the socket's user. */
static __always_inline void set_current_owner(struct flowprobe_flow *f)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	f->pid = pid_tgid >> 32;
	f->tid = (__u32)pid_tgid;
	f->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(f->comm, sizeof(f->comm));
}

/* Remember the newest user of the socket; cheap when it did not change. */
static __always_inline void refresh_owner(struct flowprobe_flow *f)
{
	if (f->pid != bpf_get_current_pid_tgid() >> 32)
		set_current_owner(f);
}

/* ---- addresses ---------------------------------------------------------- */

static __always_inline bool is_v4mapped(const __u8 *a)
{
	__u64 head;
	__u32 mid;
	__builtin_memcpy(&head, a, 8);
	__builtin_memcpy(&mid, a + 8, 4);
	return head == 0 && mid == bpf_htonl(0x0000ffff);
}

static __always_inline bool addr_is_zero(const __u8 *a)
{
	__u64 x, y;
	__builtin_memcpy(&x, a, 8);
	__builtin_memcpy(&y, a + 8, 8);
	return (x | y) == 0;
}

/* ::ffff:a.b.c.d -> a.b.c.d in the first 4 bytes, rest zero */
static __always_inline void v4mapped_to_v4(__u8 *a)
{
	__u32 v4;
	__u64 zero = 0;
	__builtin_memcpy(&v4, a + 12, 4);
	__builtin_memcpy(a, &v4, 4);
	__builtin_memcpy(a + 4, &zero, 8);
	__builtin_memcpy(a + 12, &zero, 4);
}

/* A dual-stack socket talking IPv4 reports it as IPv4, so both ends agree. */
static __always_inline void normalize_pair(__u16 *family, __u8 *laddr, __u8 *raddr)
{
	if (*family != AF_INET6)
		return;
	bool r4 = is_v4mapped(raddr), l4 = is_v4mapped(laddr);
	if (!(r4 || (l4 && addr_is_zero(raddr))))
		return;
	if (r4)
		v4mapped_to_v4(raddr);
	if (l4)
		v4mapped_to_v4(laddr);
	*family = AF_INET;
}

static __always_inline void read_sock_tuple(const struct sock *sk, struct flowprobe_tuple *t)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	t->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* a TCP socket reaching CLOSE has released its port number, but the
	 * source port its segments carried is still there */
	if (t->lport == 0)
		t->lport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	t->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&t->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&t->raddr, sk, __sk_common.skc_v6_daddr);
	} else {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memset(t->laddr, 0, sizeof(t->laddr));
		__builtin_memset(t->raddr, 0, sizeof(t->raddr));
		__builtin_memcpy(t->laddr, &l, 4);
		__builtin_memcpy(t->raddr, &r, 4);
		family = AF_INET;
	}
	t->family = family;
	normalize_pair(&t->family, t->laddr, t->raddr);
}

/* ---- TCP --------------------------------------------------------------- */

static __always_inline bool is_tcp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM;
}

/* Payload bytes the socket transmitted, each byte once: bytes_sent counts
 * retransmitted bytes again, SYN and FIN not at all. */
static __always_inline __u64 tcp_payload_sent(const struct tcp_sock *tp)
{
	return BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
}

/* Payload bytes received in order: bytes_received also advances by one for
 * the peer's FIN (never for its SYN). */
static __always_inline __u64 tcp_payload_received(const struct tcp_sock *tp)
{
	__u64 received = BPF_CORE_READ(tp, bytes_received);
	if (received && (BPF_CORE_READ(&tp->inet_conn.icsk_inet.sk, sk_shutdown) & RCV_SHUTDOWN))
		received -= 1;
	return received;
}

/* Copy the kernel's own counters, minus what happened before first sight.
 * The address is kept once known: at CLOSE the kernel has already released
 * the local port. */
static __always_inline void tcp_snapshot(struct flowprobe_flow *f, const struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 segs_out = BPF_CORE_READ(tp, segs_out);
	__u32 segs_in = BPF_CORE_READ(tp, segs_in);
	__u32 retrans = BPF_CORE_READ(tp, total_retrans);

	__u64 sent = tcp_payload_sent(tp) - f->base_bytes_sent;
	__u64 recv = tcp_payload_received(tp) - f->base_bytes_received;
	if (sent != f->bytes_sent || recv != f->bytes_received)
		f->last_ns = bpf_ktime_get_ns();
	f->bytes_sent = sent;
	f->bytes_received = recv;
	f->packets_sent = (__u32)(segs_out - f->base_segs_out);
	f->packets_received = (__u32)(segs_in - f->base_segs_in);
	f->retransmits = retrans - f->base_retrans;
	f->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3; /* kept <<3 by the kernel */
	f->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (f->t.lport == 0)
		read_sock_tuple(sk, &f->t);
}

static __always_inline void tcp_set_baseline(struct flowprobe_flow *f, const struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	f->base_bytes_sent = tcp_payload_sent(tp);
	f->base_bytes_received = tcp_payload_received(tp);
	f->base_segs_out = BPF_CORE_READ(tp, segs_out);
	f->base_segs_in = BPF_CORE_READ(tp, segs_in);
	f->base_retrans = BPF_CORE_READ(tp, total_retrans);
}

/* Start tracking a socket. midstream: it existed before we saw it open, so
 * its counters so far belong to no window we report. */
static __always_inline struct flowprobe_flow *
tcp_track(const struct sock *sk, __u64 cookie, __u32 flags, bool in_process)
{
	struct flowprobe_flow f = {};
	f.kind = FLOWPROBE_KIND_TCP;
	f.flags = flags;
	f.id = cookie;
	f.netns_ino = sock_netns(sk);
	f.priv_sk = (__u64)sk;
	f.first_ns = f.last_ns = bpf_ktime_get_ns();
	if (flags & FLOWPROBE_F_MIDSTREAM)
		tcp_set_baseline(&f, sk);
	if (in_process)
		set_current_owner(&f);
	tcp_snapshot(&f, sk);

	long err = bpf_map_update_elem(&tcp_flows, &cookie, &f, BPF_NOEXIST);
	if (err == -E2BIG) {
		count(FLOWPROBE_CNT_TCP_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&tcp_flows, &cookie);
}

#define FLOWPROBE_ECONNRESET 104
#define FLOWPROBE_ETIMEDOUT 110
#define FLOWPROBE_ECONNREFUSED 111

/* How a connection ended, from the error the kernel left on the socket. */
static __always_inline __u32 close_outcome(const struct sock *sk, int oldstate)
{
	int err = sk->sk_err;
	if (oldstate == TCP_SYN_SENT && err == FLOWPROBE_ECONNREFUSED)
		return FLOWPROBE_F_REFUSED;
	if (oldstate == TCP_SYN_SENT && err == FLOWPROBE_ETIMEDOUT)
		return FLOWPROBE_F_TIMEOUT;
	if (err == FLOWPROBE_ECONNRESET)
		return FLOWPROBE_F_RESET_RECEIVED;
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (!is_tcp(sk) || !netns_wanted(sock_netns(sk)))
		return 0;
	/* listeners are not conversations; a child socket, though, starts
	 * as a copy of its listener, so LISTEN -> SYN_RECV is a passive open */
	if (newstate == TCP_LISTEN || (oldstate == TCP_LISTEN && newstate == TCP_CLOSE))
		return 0;

	__u64 cookie = bpf_get_socket_cookie((void *)sk);
	struct flowprobe_flow *f = bpf_map_lookup_elem(&tcp_flows, &cookie);

	if (newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV) {
		/* connect() again after a disconnect: the closed entry still
		 * waits for its final drain; the new conversation is adopted
		 * (midstream) on its first send or receive after that. */
		if (f)
			return 0;
		/* SYN_SENT runs in connect(), so current is the owner; a child
		 * socket reaches SYN_RECV in softirq and learns its owner later. */
		bool active = newstate == TCP_SYN_SENT;
		if (tcp_track(sk, cookie, active ? FLOWPROBE_F_ACTIVE_OPEN : FLOWPROBE_F_PASSIVE_OPEN, active))
			count(FLOWPROBE_CNT_TCP_OPENED);
		return 0;
	}
	if (!f) {
		/* Missed the opening transition (e.g. map was full), but the old
		 * state still tells which end opened. */
		if (newstate != TCP_ESTABLISHED || (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV))
			return 0;
		f = tcp_track(sk, cookie, oldstate == TCP_SYN_SENT ? FLOWPROBE_F_ACTIVE_OPEN : FLOWPROBE_F_PASSIVE_OPEN, false);
		if (!f)
			return 0;
	}
	tcp_snapshot(f, sk);
	f->state = newstate; /* the tracepoint fires before the kernel stores it */
	if (newstate == TCP_ESTABLISHED)
		__sync_fetch_and_or(&f->flags, FLOWPROBE_F_ESTABLISHED);
	if (newstate == TCP_CLOSE) {
		/* tcp_reset / tcp_write_err store the error before tcp_done */
		__sync_fetch_and_or(&f->flags, close_outcome(sk, oldstate));
		__sync_fetch_and_or(&f->flags, FLOWPROBE_F_CLOSED);
		count(FLOWPROBE_CNT_TCP_CLOSED);
	}
	return 0;
}

/* This end sends a RST on a tracked, established connection (abortive close,
 * SO_LINGER 0, or an answer to a stray segment). sk is NULL when no socket
 * matched; only full TCP sockets are looked at. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(on_tcp_send_reset, const struct sock *sk)
{
	if (!sk || sk->__sk_common.skc_state == TCP_TIME_WAIT || sk->__sk_common.skc_state == TCP_NEW_SYN_RECV)
		return 0;
	__u64 cookie = bpf_get_socket_cookie((void *)sk);
	struct flowprobe_flow *f = bpf_map_lookup_elem(&tcp_flows, &cookie);
	if (f && (f->flags & FLOWPROBE_F_ESTABLISHED))
		__sync_fetch_and_or(&f->flags, FLOWPROBE_F_RESET_SENT);
	return 0;
}

/* Process context: attribute the socket to the caller; adopt sockets that were
 * open before the probe loaded. */
static __always_inline void tcp_on_syscall(struct sock *sk)
{
	__u64 cookie = bpf_get_socket_cookie(sk);
	struct flowprobe_flow *f = bpf_map_lookup_elem(&tcp_flows, &cookie);
	if (f) {
		refresh_owner(f);
		if (snapshot_on_syscall)
			tcp_snapshot(f, sk);
		return;
	}
	int state = sk->__sk_common.skc_state;
	/* after CLOSE the final record may already be drained and deleted;
	 * re-adding it would report the whole connection a second time */
	if (state == TCP_CLOSE || state == TCP_LISTEN || state == TCP_SYN_SENT || state == TCP_SYN_RECV)
		return;
	tcp_track(sk, cookie, FLOWPROBE_F_MIDSTREAM, true);
}

/* ---- UDP --------------------------------------------------------------- */

static __always_inline bool is_udp(const struct sock *sk)
{
	return sk->sk_protocol == IPPROTO_UDP && sk->sk_type == SOCK_DGRAM;
}

static __always_inline __u32 udp_sock_flags(const struct sock *sk)
{
	__u32 flags = 0;
	if (sk->__sk_common.skc_state == TCP_ESTABLISHED)
		flags |= FLOWPROBE_F_CONNECTED;
	if (sk->sk_userlocks & SOCK_BINDPORT_LOCK)
		flags |= FLOWPROBE_F_BOUND_PORT;
	return flags;
}

struct udp_delta {
	__u64 tx_bytes, tx_packets, rx_bytes, rx_packets;
};

/* Add to the entry for key, creating it if needed; from process context, so
 * the caller is the socket's user. */
static __always_inline void udp_account(const struct flowprobe_udp_key *key, __u32 flags, const struct udp_delta *d)
{
	struct flowprobe_flow *f = bpf_map_lookup_elem(&udp_flows, key);
	if (!f) {
		struct flowprobe_flow init = {};
		init.kind = FLOWPROBE_KIND_UDP;
		init.flags = flags;
		init.netns_ino = key->netns_ino;
		init.t.family = key->family;
		init.t.lport = key->lport;
		init.t.rport = key->rport;
		__builtin_memcpy(init.t.laddr, key->laddr, sizeof(init.t.laddr));
		__builtin_memcpy(init.t.raddr, key->raddr, sizeof(init.t.raddr));
		init.first_ns = init.id = bpf_ktime_get_ns();
		set_current_owner(&init);
		long err = bpf_map_update_elem(&udp_flows, key, &init, BPF_NOEXIST);
		if (err == -E2BIG) {
			count(FLOWPROBE_CNT_UDP_MAP_FULL);
			return;
		}
		f = bpf_map_lookup_elem(&udp_flows, key);
		if (!f)
			return;
	} else {
		refresh_owner(f);
	}
	if ((f->flags & flags) != flags)
		__sync_fetch_and_or(&f->flags, flags);
	if (d->tx_packets) {
		__sync_fetch_and_add(&f->bytes_sent, d->tx_bytes);
		__sync_fetch_and_add(&f->packets_sent, d->tx_packets);
	}
	if (d->rx_packets) {
		__sync_fetch_and_add(&f->bytes_received, d->rx_bytes);
		__sync_fetch_and_add(&f->packets_received, d->rx_packets);
	}
	f->last_ns = bpf_ktime_get_ns();
}

static __always_inline void udp_delta_of(struct udp_delta *d, __u32 direction, __u64 bytes)
{
	if (direction == UDP_SENT) {
		d->tx_bytes = bytes;
		d->tx_packets = 1;
	} else {
		d->rx_bytes = bytes;
		d->rx_packets = 1;
	}
}

/* One datagram through sendmsg/recvmsg. A connected socket names its peer;
 * an unconnected one leaves the peer to sys_exit (sendmmsg/recvmmsg call us
 * once per message within one syscall). */
static __always_inline void udp_on_syscall(struct sock *sk, int len, __u32 direction)
{
	struct flowprobe_tuple t = {};
	read_sock_tuple(sk, &t);
	__u32 flags = udp_sock_flags(sk);
	if (flags & FLOWPROBE_F_CONNECTED) {
		struct flowprobe_udp_key k = { .netns_ino = sock_netns(sk), .family = t.family, .lport = t.lport, .rport = t.rport };
		__builtin_memcpy(k.laddr, t.laddr, sizeof(k.laddr));
		__builtin_memcpy(k.raddr, t.raddr, sizeof(k.raddr));
		struct udp_delta d = {};
		udp_delta_of(&d, direction, len);
		udp_account(&k, flags, &d);
		return;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct udp_pending *p = bpf_map_lookup_elem(&udp_pending, &tid);
	if (p && p->messages > 0 && p->direction == direction) {
		p->messages += 1;
		p->bytes += len;
		return;
	}
	struct udp_pending fresh = {
		.netns_ino = sock_netns(sk),
		.lfamily = t.family,
		.lport = t.lport,
		.flags = flags,
		.direction = direction,
		.messages = 1,
		.bytes = len,
	};
	__builtin_memcpy(fresh.laddr, t.laddr, sizeof(fresh.laddr));
	bpf_map_update_elem(&udp_pending, &tid, &fresh, BPF_ANY);
}

/* ---- socket syscalls: every send/recv on any socket ---------------------- */

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send_length, struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || !sk || !netns_wanted(sock_netns(sk)))
		return 0;
	if (is_tcp(sk))
		tcp_on_syscall(sk);
	else if (is_udp(sk))
		udp_on_syscall(sk, ret, UDP_SENT);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv_length, struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || !sk || !netns_wanted(sock_netns(sk)))
		return 0;
	if (is_tcp(sk))
		tcp_on_syscall(sk);
	else if (is_udp(sk) && !(flags & (MSG_PEEK | MSG_ERRQUEUE)))
		udp_on_syscall(sk, ret, UDP_RECEIVED);
	return 0;
}

/* ---- unconnected UDP: the peer from the syscall's sockaddr -------------- */

/* The peer as the caller gave it (send) or the kernel wrote it (receive). */
static __always_inline bool read_peer(const void *uaddr, struct flowprobe_udp_key *k)
{
	__u16 family = 0;
	if (!uaddr || bpf_probe_read_user(&family, sizeof(family), uaddr))
		return false;
	if (family == AF_INET) {
		struct sockaddr_in sin;
		if (bpf_probe_read_user(&sin, sizeof(sin), uaddr))
			return false;
		__builtin_memcpy(k->raddr, &sin.sin_addr.s_addr, 4);
		k->rport = bpf_ntohs(sin.sin_port);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6;
		if (bpf_probe_read_user(&sin6, sizeof(sin6), uaddr))
			return false;
		__builtin_memcpy(k->raddr, &sin6.sin6_addr, 16);
		k->rport = bpf_ntohs(sin6.sin6_port);
		if (is_v4mapped(k->raddr)) {
			v4mapped_to_v4(k->raddr);
			family = AF_INET;
		}
	} else {
		return false;
	}
	k->family = family;
	return true;
}

static __always_inline void udp_peer_one(const struct udp_pending *p, const void *uaddr, __u64 bytes)
{
	struct flowprobe_udp_key k = {};
	if (!read_peer(uaddr, &k)) {
		count(FLOWPROBE_CNT_UDP_PEER_UNKNOWN);
		return;
	}
	k.netns_ino = p->netns_ino;
	k.lport = p->lport;
	if (p->lfamily == k.family)
		__builtin_memcpy(k.laddr, p->laddr, sizeof(k.laddr));
	struct udp_delta d = {};
	udp_delta_of(&d, p->direction, bytes);
	udp_account(&k, p->flags, &d);
}

struct mmsg_walk {
	const struct udp_pending *p;
	const __u8 *vec;
};

/* struct mmsghdr: msg_hdr.msg_name at 0, msg_len (bytes moved) after msg_hdr */
static int mmsg_one(__u32 i, void *data)
{
	struct mmsg_walk *w = data;
	void *uaddr = NULL;
	__u32 len = 0;
	bpf_probe_read_user(&uaddr, sizeof(uaddr), w->vec + (__u64)i * MMSGHDR_SIZE);
	bpf_probe_read_user(&len, sizeof(len), w->vec + (__u64)i * MMSGHDR_SIZE + MSGHDR_SIZE);
	udp_peer_one(w->p, uaddr, len);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	if (ret <= 0)
		return 0;
	long nr = SYSCALL_NR(regs);
	bool single = nr == NR_SENDTO || nr == NR_RECVFROM || nr == NR_SENDMSG || nr == NR_RECVMSG;
	bool multi = nr == NR_SENDMMSG || nr == NR_RECVMMSG;
	if (!single && !multi)
		return 0;
	__u32 direction = nr == NR_SENDTO || nr == NR_SENDMSG || nr == NR_SENDMMSG ? UDP_SENT : UDP_RECEIVED;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct udp_pending *pending = bpf_map_lookup_elem(&udp_pending, &tid);
	if (!pending || pending->messages == 0)
		return 0;
	struct udp_pending p = *pending;
	pending->messages = 0; /* consumed, whatever happens below */
	/* an entry left by io_uring (no syscall of ours) will not match this one */
	if (p.direction != direction)
		return 0;

	if (single) {
		if (p.messages != 1 || p.bytes != (__u64)ret)
			return 0;
		/* sendto/recvfrom: 5th argument; sendmsg/recvmsg: msghdr.msg_name */
		void *uaddr = (void *)PT_REGS_PARM5_CORE_SYSCALL(regs);
		if (nr == NR_SENDMSG || nr == NR_RECVMSG) {
			void *msg = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
			uaddr = NULL;
			bpf_probe_read_user(&uaddr, sizeof(uaddr), msg);
		}
		udp_peer_one(&p, uaddr, p.bytes);
		return 0;
	}
	if (p.messages != (__u64)ret)
		return 0;
	struct mmsg_walk w = { .p = &p, .vec = (const __u8 *)PT_REGS_PARM2_CORE_SYSCALL(regs) };
	bpf_loop(ret > MAX_MMSG ? MAX_MMSG : ret, mmsg_one, &w, 0);
	if (ret > MAX_MMSG)
		count_n(FLOWPROBE_CNT_UDP_PEER_UNKNOWN, ret - MAX_MMSG);
	return 0;
}

/* ---- drain-time refresh of TCP counters --------------------------------- */

/* Runs over tcp_flows right before each drain (the loader reads the iterator),
 * so the counters are current without a per-packet hook. The stored socket
 * pointer is only trusted when the socket still carries the entry's cookie:
 * TCP sockets are SLAB_TYPESAFE_BY_RCU and reads are fault-safe. */
SEC("iter/bpf_map_elem")
int tcp_refresh(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *cookie = ctx->key;
	struct flowprobe_flow *f = ctx->value;
	if (!cookie || !f)
		return 0;
	if (f->flags & (FLOWPROBE_F_CLOSED | FLOWPROBE_F_EVICTED))
		return 0;
	const struct sock *sk = (const struct sock *)f->priv_sk;
	__u64 now_cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (now_cookie != *cookie) {
		f->flags |= FLOWPROBE_F_EVICTED;
		count(FLOWPROBE_CNT_TCP_VANISHED);
		return 0;
	}
	tcp_snapshot(f, sk);
	return 0;
}
