// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flowprobe-layout: prints the record layout of flowprobe.h as JSON, as the C
 * compiler sees it. The TypeScript layout test compares it with the decoder's
 * constants, so the two can never drift apart silently.
 */
#include <stddef.h>
#include <stdio.h>
#include "flowprobe.h"

#define FIELD(type, member) \
	printf("%s\"%s\": [%zu, %zu]", sep, #member, offsetof(struct type, member), sizeof(((struct type *)0)->member)), sep = ", "
#define CONST(name) printf("%s\"%s\": %lld", sep, #name, (long long)(name)), sep = ", "

int main(void)
{
	const char *sep = "";
	printf("{\"record_size\": %d, \"abi_version\": %d,\n", FLOWPROBE_RECORD_SIZE, FLOWPROBE_ABI_VERSION);

	printf(" \"flow\": {\"size\": %zu, \"fields\": {", sizeof(struct flowprobe_flow));
	FIELD(flowprobe_flow, kind); FIELD(flowprobe_flow, flags); FIELD(flowprobe_flow, id);
	FIELD(flowprobe_flow, t.laddr); FIELD(flowprobe_flow, t.raddr); FIELD(flowprobe_flow, t.family);
	FIELD(flowprobe_flow, t.lport); FIELD(flowprobe_flow, t.rport);
	FIELD(flowprobe_flow, netns_ino); FIELD(flowprobe_flow, pid); FIELD(flowprobe_flow, tid);
	FIELD(flowprobe_flow, srtt_us); FIELD(flowprobe_flow, cgroup_id); FIELD(flowprobe_flow, comm);
	FIELD(flowprobe_flow, bytes_sent); FIELD(flowprobe_flow, bytes_received);
	FIELD(flowprobe_flow, packets_sent); FIELD(flowprobe_flow, packets_received);
	FIELD(flowprobe_flow, retransmits); FIELD(flowprobe_flow, state);
	FIELD(flowprobe_flow, first_ns); FIELD(flowprobe_flow, last_ns);
	printf("}},\n");

	sep = "";
	printf(" \"hello\": {\"size\": %zu, \"fields\": {", sizeof(struct flowprobe_hello));
	FIELD(flowprobe_hello, kind); FIELD(flowprobe_hello, abi_version); FIELD(flowprobe_hello, netns_ino);
	FIELD(flowprobe_hello, features); FIELD(flowprobe_hello, tcp_max_entries);
	FIELD(flowprobe_hello, udp_max_entries); FIELD(flowprobe_hello, loader_pid);
	printf("}},\n");

	sep = "";
	printf(" \"drain_end\": {\"size\": %zu, \"fields\": {", sizeof(struct flowprobe_drain_end));
	FIELD(flowprobe_drain_end, kind); FIELD(flowprobe_drain_end, abi_version);
	FIELD(flowprobe_drain_end, records); FIELD(flowprobe_drain_end, mono_ns);
	FIELD(flowprobe_drain_end, realtime_ns); FIELD(flowprobe_drain_end, drain_ns);
	FIELD(flowprobe_drain_end, tcp_entries); FIELD(flowprobe_drain_end, udp_entries);
	FIELD(flowprobe_drain_end, tcp_max_entries); FIELD(flowprobe_drain_end, udp_max_entries);
	FIELD(flowprobe_drain_end, counters);
	printf("}},\n");

	sep = "";
	printf(" \"constants\": {");
	CONST(FLOWPROBE_COMM_LEN);
	CONST(FLOWPROBE_KIND_TCP); CONST(FLOWPROBE_KIND_UDP); CONST(FLOWPROBE_KIND_HELLO); CONST(FLOWPROBE_KIND_DRAIN_END);
	CONST(FLOWPROBE_F_ACTIVE_OPEN); CONST(FLOWPROBE_F_PASSIVE_OPEN); CONST(FLOWPROBE_F_MIDSTREAM);
	CONST(FLOWPROBE_F_CLOSED); CONST(FLOWPROBE_F_EVICTED); CONST(FLOWPROBE_F_CONNECTED); CONST(FLOWPROBE_F_BOUND_PORT);
	CONST(FLOWPROBE_F_ESTABLISHED); CONST(FLOWPROBE_F_REFUSED); CONST(FLOWPROBE_F_TIMEOUT);
	CONST(FLOWPROBE_F_RESET_RECEIVED); CONST(FLOWPROBE_F_RESET_SENT);
	CONST(FLOWPROBE_FEAT_UDP_PEER); CONST(FLOWPROBE_FEAT_TCP_REFRESH);
	CONST(FLOWPROBE_CNT_TCP_MAP_FULL); CONST(FLOWPROBE_CNT_UDP_MAP_FULL); CONST(FLOWPROBE_CNT_UDP_PEER_UNKNOWN);
	CONST(FLOWPROBE_CNT_TCP_VANISHED); CONST(FLOWPROBE_CNT_TCP_OPENED);
	CONST(FLOWPROBE_CNT_TCP_CLOSED); CONST(FLOWPROBE_CNT_UDP_EVICTED); CONST(FLOWPROBE_CNT_MAX);
	printf("}}\n");
	return 0;
}
