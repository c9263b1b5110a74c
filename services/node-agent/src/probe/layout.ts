/**
 * The binary record layout of bpf/flowprobe.h, as the decoder reads it.
 * test/probe-layout.test.ts compiles bpf/layout.c and compares every offset,
 * size and constant here with what the C compiler produced.
 */

export const ABI_VERSION = 2;
export const RECORD_SIZE = 192;
export const COMM_LEN = 16;

export const Kind = {
  TCP: 1,
  UDP: 2,
  HELLO: 0x48454c4f,
  DRAIN_END: 0x454e4421,
} as const;

export const Flag = {
  ACTIVE_OPEN: 1 << 0,
  PASSIVE_OPEN: 1 << 1,
  MIDSTREAM: 1 << 2,
  CLOSED: 1 << 3,
  EVICTED: 1 << 4,
  CONNECTED: 1 << 5,
  BOUND_PORT: 1 << 6,
  ESTABLISHED: 1 << 7,
  REFUSED: 1 << 8,
  TIMEOUT: 1 << 9,
  RESET_RECEIVED: 1 << 10,
  RESET_SENT: 1 << 11,
} as const;

export const Feature = {
  UDP_PEER: 1 << 0,
  TCP_REFRESH: 1 << 1,
} as const;

/** Counter names in flowprobe.h order (enum flowprobe_counter). */
export const COUNTER_NAMES = [
  'tcp_map_full',
  'udp_map_full',
  'udp_peer_unknown',
  'tcp_vanished',
  'tcp_opened',
  'tcp_closed',
  'udp_evicted',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** [offset, size] of each field, named as in the C structs (nested: "t.laddr"). */
export type FieldTable = Readonly<Record<string, readonly [offset: number, size: number]>>;

export const FLOW_FIELDS = {
  kind: [0, 4],
  flags: [4, 4],
  id: [8, 8],
  't.laddr': [16, 16],
  't.raddr': [32, 16],
  't.family': [48, 2],
  't.lport': [50, 2],
  't.rport': [52, 2],
  netns_ino: [56, 4],
  pid: [60, 4],
  tid: [64, 4],
  srtt_us: [68, 4],
  cgroup_id: [72, 8],
  comm: [80, COMM_LEN],
  bytes_sent: [96, 8],
  bytes_received: [104, 8],
  packets_sent: [112, 8],
  packets_received: [120, 8],
  retransmits: [128, 4],
  state: [132, 4],
  first_ns: [136, 8],
  last_ns: [144, 8],
} as const satisfies FieldTable;

export const HELLO_FIELDS = {
  kind: [0, 4],
  abi_version: [4, 4],
  netns_ino: [8, 4],
  features: [12, 4],
  tcp_max_entries: [16, 4],
  udp_max_entries: [20, 4],
  loader_pid: [24, 4],
} as const satisfies FieldTable;

export const DRAIN_END_FIELDS = {
  kind: [0, 4],
  abi_version: [4, 4],
  records: [8, 8],
  mono_ns: [16, 8],
  realtime_ns: [24, 8],
  drain_ns: [32, 8],
  tcp_entries: [40, 4],
  udp_entries: [44, 4],
  tcp_max_entries: [48, 4],
  udp_max_entries: [52, 4],
  counters: [56, 8 * COUNTER_NAMES.length],
} as const satisfies FieldTable;

/** The constants of flowprobe.h under their C names, for the layout test. */
export const C_CONSTANTS: Readonly<Record<string, number>> = {
  FLOWPROBE_COMM_LEN: COMM_LEN,
  FLOWPROBE_KIND_TCP: Kind.TCP,
  FLOWPROBE_KIND_UDP: Kind.UDP,
  FLOWPROBE_KIND_HELLO: Kind.HELLO,
  FLOWPROBE_KIND_DRAIN_END: Kind.DRAIN_END,
  FLOWPROBE_F_ACTIVE_OPEN: Flag.ACTIVE_OPEN,
  FLOWPROBE_F_PASSIVE_OPEN: Flag.PASSIVE_OPEN,
  FLOWPROBE_F_MIDSTREAM: Flag.MIDSTREAM,
  FLOWPROBE_F_CLOSED: Flag.CLOSED,
  FLOWPROBE_F_EVICTED: Flag.EVICTED,
  FLOWPROBE_F_CONNECTED: Flag.CONNECTED,
  FLOWPROBE_F_BOUND_PORT: Flag.BOUND_PORT,
  FLOWPROBE_F_ESTABLISHED: Flag.ESTABLISHED,
  FLOWPROBE_F_REFUSED: Flag.REFUSED,
  FLOWPROBE_F_TIMEOUT: Flag.TIMEOUT,
  FLOWPROBE_F_RESET_RECEIVED: Flag.RESET_RECEIVED,
  FLOWPROBE_F_RESET_SENT: Flag.RESET_SENT,
  FLOWPROBE_FEAT_UDP_PEER: Feature.UDP_PEER,
  FLOWPROBE_FEAT_TCP_REFRESH: Feature.TCP_REFRESH,
  ...Object.fromEntries(COUNTER_NAMES.map((name, index) => [`FLOWPROBE_CNT_${name.toUpperCase()}`, index])),
  FLOWPROBE_CNT_MAX: COUNTER_NAMES.length,
};
