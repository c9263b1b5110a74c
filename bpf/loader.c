// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flowprobe-loader: loads and attaches flowprobe.bpf.o, then serves drains.
 *
 * Protocol (the node agent spawns this process):
 *   stdout  binary records of FLOWPROBE_RECORD_SIZE bytes (flowprobe.h): one
 *           HELLO once attached, then per drain every flow record followed by
 *           one DRAIN_END.
 *   stdin   one command per line: "drain" (dump now), "quit". EOF = quit.
 *   stderr  human-readable diagnostics. Exit status: 0 on quit, 2 bad usage,
 *           3 load failure, 4 attach failure, 5 I/O failure.
 *
 * Drain semantics: TCP counters are refreshed from the sockets first (map
 * iterator); entries flagged CLOSED or EVICTED are written once more and then
 * deleted; UDP entries idle longer than --udp-idle-ms are taken out atomically
 * (lookup-and-delete) and written flagged EVICTED.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flowprobe.h"
#include "flowprobe.skel.h"

#define BATCH 4096

struct options {
	const char *netns_path;
	__u32 tcp_max;
	__u32 udp_max;
	__u64 udp_idle_ns;
	bool udp_peer;
	bool verbose;
};

struct probe {
	struct flowprobe_bpf *skel;
	struct bpf_link *refresh_link; /* NULL when the map iterator is unavailable */
	__u32 netns_ino;
	__u32 features;
	__u32 tcp_max, udp_max;
	__u64 udp_idle_ns;
	__u64 udp_evicted; /* loader-side counter, reported as FLOWPROBE_CNT_UDP_EVICTED */
};

static bool verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: flowprobe-loader [--netns PATH] [--tcp-max N] [--udp-max N]\n"
		"                        [--udp-idle-ms MS] [--no-udp-peer] [--verbose]\n"
		"  --netns PATH        only sockets of this network namespace (/var/run/netns/X, /proc/PID/ns/net)\n"
		"  --tcp-max N         TCP map entries (default 65536)\n"
		"  --udp-max N         UDP map entries (default 65536)\n"
		"  --udp-idle-ms MS    evict UDP entries idle this long (default 30000)\n"
		"  --no-udp-peer       skip the sys_exit hook: datagrams of unconnected UDP sockets go uncounted\n"
		"Reads \"drain\" lines on stdin; writes flowprobe.h records on stdout.\n");
}

static bool parse_u64(const char *s, __u64 *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end || end == s)
		return false;
	*out = v;
	return true;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "tcp-max", required_argument, NULL, 't' },
		{ "udp-max", required_argument, NULL, 'u' },
		{ "udp-idle-ms", required_argument, NULL, 'i' },
		{ "no-udp-peer", no_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	*o = (struct options){ .tcp_max = 65536, .udp_max = 65536, .udp_idle_ns = 30000ull * 1000000, .udp_peer = true };
	int c;
	__u64 v;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->netns_path = optarg;
			break;
		case 't':
		case 'u':
			if (!parse_u64(optarg, &v) || v < 16 || v > (1u << 24)) {
				fprintf(stderr, "flowprobe: --%s must be 16..16777216\n", c == 't' ? "tcp-max" : "udp-max");
				return -1;
			}
			*(c == 't' ? &o->tcp_max : &o->udp_max) = (__u32)v;
			break;
		case 'i':
			if (!parse_u64(optarg, &v) || v == 0) {
				fprintf(stderr, "flowprobe: --udp-idle-ms must be a positive integer\n");
				return -1;
			}
			o->udp_idle_ns = v * 1000000;
			break;
		case 'R':
			o->udp_peer = false;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void write_record(const void *rec)
{
	if (fwrite(rec, FLOWPROBE_RECORD_SIZE, 1, stdout) != 1) {
		fprintf(stderr, "flowprobe: writing to stdout: %s\n", strerror(errno));
		exit(5);
	}
}

/* Explain a load failure in terms of what the operator can fix. */
static void explain_load_failure(int err)
{
	fprintf(stderr, "flowprobe: loading the eBPF program failed: %s\n", strerror(-err));
	if (geteuid() != 0)
		fprintf(stderr, "flowprobe:   not running as root (needs CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE or root)\n");
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		fprintf(stderr, "flowprobe:   /sys/kernel/btf/vmlinux missing: kernel built without CONFIG_DEBUG_INFO_BTF\n");
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "flowprobe:   permission denied: check kernel.unprivileged_bpf_disabled, lockdown, seccomp\n");
	fprintf(stderr, "flowprobe:   rerun with --verbose for the verifier log\n");
}

/* Opens and loads the skeleton. With the map iterator, also creates its link;
 * without it, the probe reads TCP counters at every send/recv instead
 * (snapshot_on_syscall). Returns 0, a negative errno, or 1 when opening
 * failed (reported). */
static int probe_load(struct probe *p, const struct options *o, bool with_refresh)
{
	p->skel = flowprobe_bpf__open();
	if (!p->skel) {
		fprintf(stderr, "flowprobe: opening the embedded eBPF object failed: %s\n", strerror(errno));
		return 1;
	}
	struct flowprobe_bpf *s = p->skel;
	s->rodata->filter_netns_ino = p->netns_ino;
	s->rodata->snapshot_on_syscall = !with_refresh;
	p->tcp_max = o->tcp_max;
	p->udp_max = o->udp_max;
	bpf_map__set_max_entries(s->maps.tcp_flows, o->tcp_max);
	bpf_map__set_max_entries(s->maps.udp_flows, o->udp_max);
	bpf_program__set_autoattach(s->progs.tcp_refresh, false);
	bpf_program__set_autoload(s->progs.tcp_refresh, with_refresh);
	if (!o->udp_peer)
		bpf_program__set_autoload(s->progs.on_sys_exit, false);
	int err = flowprobe_bpf__load(s);
	if (err || !with_refresh)
		return err;
	union bpf_iter_link_info info = { .map.map_fd = bpf_map__fd(s->maps.tcp_flows) };
	LIBBPF_OPTS(bpf_iter_attach_opts, iter_opts, .link_info = &info, .link_info_len = sizeof(info));
	p->refresh_link = bpf_program__attach_iter(s->progs.tcp_refresh, &iter_opts);
	return p->refresh_link ? 0 : -errno;
}

static int probe_open(struct probe *p, const struct options *o)
{
	if (o->netns_path) {
		struct stat st;
		if (stat(o->netns_path, &st) != 0) {
			fprintf(stderr, "flowprobe: --netns %s: %s\n", o->netns_path, strerror(errno));
			return 2;
		}
		p->netns_ino = (__u32)st.st_ino; /* nsfs inode number = ns.inum */
	}
	/* Some kernels refuse the map iterator program (EPERM where BPF_TRACE_ITER
	 * is locked down, as fentry is on ours) or its link while the tracepoints
	 * load: then load again without it. A failure that is not the iterator's
	 * fails the second load too, and is explained then. */
	int err = probe_load(p, o, true);
	if (err < 0) {
		flowprobe_bpf__destroy(p->skel);
		p->skel = NULL;
		fprintf(stderr, "flowprobe: warning: map iterator unavailable (%s); TCP counters are read at every send/recv instead\n", strerror(-err));
		err = probe_load(p, o, false);
	}
	if (err == 1)
		return 3;
	if (err) {
		explain_load_failure(err);
		return 3;
	}
	err = flowprobe_bpf__attach(p->skel);
	if (err) {
		fprintf(stderr, "flowprobe: attaching the tracepoints failed: %s\n", strerror(-err));
		return 4;
	}
	if (o->udp_peer)
		p->features |= FLOWPROBE_FEAT_UDP_PEER;
	if (p->refresh_link)
		p->features |= FLOWPROBE_FEAT_TCP_REFRESH;
	return 0;
}

static void write_hello(const struct probe *p)
{
	struct flowprobe_hello h = {
		.kind = FLOWPROBE_KIND_HELLO,
		.abi_version = FLOWPROBE_ABI_VERSION,
		.netns_ino = p->netns_ino,
		.features = p->features,
		.tcp_max_entries = p->tcp_max,
		.udp_max_entries = p->udp_max,
		.loader_pid = (__u32)getpid(),
	};
	write_record(&h);
	fflush(stdout);
}

/* Reading the iterator runs tcp_refresh once per TCP entry. */
static void refresh_tcp(const struct probe *p)
{
	if (!p->refresh_link)
		return;
	int fd = bpf_iter_create(bpf_link__fd(p->refresh_link));
	if (fd < 0) {
		fprintf(stderr, "flowprobe: warning: TCP refresh iterator: %s\n", strerror(errno));
		return;
	}
	char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

typedef void (*visit_fn)(struct probe *p, const void *key, struct flowprobe_flow *flow, void *acc);

/* Visit every entry of a flow map: batched lookups, or key-by-key where the
 * kernel lacks batch support. */
static void dump_map(struct probe *p, int fd, size_t key_size, visit_fn visit, void *acc)
{
	static __u8 keys[BATCH * sizeof(struct flowprobe_udp_key)];
	static struct flowprobe_flow values[BATCH];
	__u64 token = 0;
	bool first = true;
	for (;;) {
		__u32 n = BATCH;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, values, &n, NULL);
		if (err && errno != ENOENT) {
			if (first && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP))
				break; /* fall back below */
			fprintf(stderr, "flowprobe: warning: batch lookup: %s\n", strerror(errno));
			return;
		}
		for (__u32 i = 0; i < n; i++)
			visit(p, keys + i * key_size, &values[i], acc);
		if (err)
			return; /* ENOENT: that was the last batch */
		first = false;
	}
	__u8 key[sizeof(struct flowprobe_udp_key)], next[sizeof(struct flowprobe_udp_key)];
	struct flowprobe_flow value;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &value) == 0)
			visit(p, key, &value, acc);
	}
}

struct drain_acc {
	__u64 records;
	__u64 now_mono;
	__u32 remaining;
};

static void emit_flow(struct flowprobe_flow *f, struct drain_acc *acc)
{
	f->priv_sk = 0;
	f->base_bytes_sent = f->base_bytes_received = 0;
	f->base_segs_out = f->base_segs_in = f->base_retrans = 0;
	write_record(f);
	acc->records++;
}

static void visit_tcp(struct probe *p, const void *key, struct flowprobe_flow *f, void *accp)
{
	struct drain_acc *acc = accp;
	bool last = f->flags & (FLOWPROBE_F_CLOSED | FLOWPROBE_F_EVICTED);
	emit_flow(f, acc);
	/* a closed socket gets no further updates (the probe will not re-adopt
	 * it), so deleting after reading loses nothing */
	if (last)
		bpf_map_delete_elem(bpf_map__fd(p->skel->maps.tcp_flows), key);
	else
		acc->remaining++;
}

static void visit_udp(struct probe *p, const void *key, struct flowprobe_flow *f, void *accp)
{
	struct drain_acc *acc = accp;
	bool idle = acc->now_mono > f->last_ns && acc->now_mono - f->last_ns > p->udp_idle_ns;
	if (idle) {
		/* take the entry out atomically: a datagram counted after our batch
		 * read is in the value we get back, one counted later creates a
		 * fresh entry with a new id */
		if (bpf_map_lookup_and_delete_elem(bpf_map__fd(p->skel->maps.udp_flows), key, f) == 0) {
			f->flags |= FLOWPROBE_F_EVICTED;
			p->udp_evicted++;
			emit_flow(f, acc);
			return;
		}
	}
	emit_flow(f, acc);
	acc->remaining++;
}

static void read_counters(const struct probe *p, __u64 out[FLOWPROBE_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *percpu = calloc(ncpu > 0 ? ncpu : 1, sizeof(__u64));
	memset(out, 0, sizeof(__u64) * FLOWPROBE_CNT_MAX);
	for (__u32 i = 0; percpu && ncpu > 0 && i < FLOWPROBE_CNT_MAX; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.counters), &i, percpu))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[i] += percpu[c];
	}
	free(percpu);
	out[FLOWPROBE_CNT_UDP_EVICTED] += p->udp_evicted;
}

static void drain(struct probe *p)
{
	struct flowprobe_drain_end end = {
		.kind = FLOWPROBE_KIND_DRAIN_END,
		.abi_version = FLOWPROBE_ABI_VERSION,
		.tcp_max_entries = p->tcp_max,
		.udp_max_entries = p->udp_max,
	};
	end.mono_ns = clock_ns(CLOCK_MONOTONIC);
	end.realtime_ns = clock_ns(CLOCK_REALTIME);

	refresh_tcp(p);
	struct drain_acc tcp = { .now_mono = end.mono_ns };
	dump_map(p, bpf_map__fd(p->skel->maps.tcp_flows), sizeof(__u64), visit_tcp, &tcp);
	struct drain_acc udp = { .now_mono = end.mono_ns };
	dump_map(p, bpf_map__fd(p->skel->maps.udp_flows), sizeof(struct flowprobe_udp_key), visit_udp, &udp);

	end.records = tcp.records + udp.records;
	end.tcp_entries = tcp.remaining;
	end.udp_entries = udp.remaining;
	read_counters(p, end.counters);
	end.drain_ns = clock_ns(CLOCK_MONOTONIC) - end.mono_ns;
	write_record(&end);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "flowprobe: writing to stdout: %s\n", strerror(errno));
		exit(5);
	}
}

static void serve(struct probe *p)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (strcmp(line, "drain") == 0)
			drain(p);
		else if (strcmp(line, "quit") == 0)
			break;
		else if (line[0] != '\0')
			fprintf(stderr, "flowprobe: unknown command \"%s\" (expected drain or quit)\n", line);
	}
	free(line);
}

int main(int argc, char **argv)
{
	/* die with the agent: a probe nobody drains only fills its maps */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1) {
		fprintf(stderr, "flowprobe: parent already gone\n");
		return 1;
	}
	struct options o;
	if (parse_options(argc, argv, &o))
		return 2;
	verbose = o.verbose;
	libbpf_set_print(libbpf_log);

	struct probe p = { .udp_idle_ns = o.udp_idle_ns };
	int rc = probe_open(&p, &o);
	if (rc) {
		flowprobe_bpf__destroy(p.skel);
		return rc;
	}
	static char outbuf[1 << 20];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	write_hello(&p);
	serve(&p);
	bpf_link__destroy(p.refresh_link);
	flowprobe_bpf__destroy(p.skel);
	return 0;
}
