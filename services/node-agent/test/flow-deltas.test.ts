import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_HALF_FACTS } from '@flowmesh/lib';
import { buildHalf, halfKey } from '../src/halves/build-half.js';
import { FlowDeltaTracker } from '../src/probe/flow-deltas.js';
import { Flag } from '../src/probe/layout.js';
import type { ProbeFlow } from '../src/probe/records.js';

function tcpFlow(overrides: Partial<ProbeFlow> = {}): ProbeFlow {
  return {
    protocol: 'tcp', flags: Flag.ACTIVE_OPEN, id: 7, family: 4, localIp: '10.244.1.7', localPort: 43512, remoteIp: '10.96.0.20', remotePort: 80,
    netnsIno: 4026531840, pid: 4242, tid: 4242, comm: 'curl', cgroupId: 1, srttUs: 300, bytesSent: 0, bytesReceived: 0, packetsSent: 1, packetsReceived: 0,
    retransmits: 0, tcpState: 2, firstNs: 1, lastNs: 1, ...overrides,
  };
}

test('cumulative records become window deltas; open and close land in their windows', () => {
  const tracker = new FlowDeltaTracker();
  const w1 = tracker.apply([tcpFlow({ bytesSent: 1000, bytesReceived: 5000, packetsSent: 4, packetsReceived: 6 })]);
  assert.equal(w1.length, 1);
  assert.deepEqual({ ...w1[0], flow: undefined }, { flow: undefined, bytesSent: 1000, bytesReceived: 5000, packetsSent: 4, packetsReceived: 6, retransmits: 0, opened: true, closed: false });

  // idle window: nothing to report
  assert.deepEqual(tracker.apply([tcpFlow({ bytesSent: 1000, bytesReceived: 5000, packetsSent: 4, packetsReceived: 6 })]), []);

  const w3 = tracker.apply([tcpFlow({ bytesSent: 1500, bytesReceived: 9000, packetsSent: 6, packetsReceived: 9, retransmits: 1 })]);
  assert.deepEqual({ ...w3[0], flow: undefined }, { flow: undefined, bytesSent: 500, bytesReceived: 4000, packetsSent: 2, packetsReceived: 3, retransmits: 1, opened: false, closed: false });

  const w4 = tracker.apply([tcpFlow({ flags: Flag.ACTIVE_OPEN | Flag.CLOSED, bytesSent: 1500, bytesReceived: 9000, packetsSent: 8, packetsReceived: 10, retransmits: 1 })]);
  assert.equal(w4[0]?.closed, true);
  assert.equal(w4[0]?.packetsSent, 2);
  assert.equal(tracker.tracked, 0, 'forgotten after its final record');
});

test('a flow the probe found already open is not reported as opened; vanished flows are forgotten', () => {
  const tracker = new FlowDeltaTracker();
  const [first] = tracker.apply([tcpFlow({ flags: Flag.MIDSTREAM, bytesSent: 10 })]);
  assert.equal(first?.opened, false);
  tracker.apply([tcpFlow({ id: 8, bytesSent: 1 })]); // id 7 no longer listed
  assert.equal(tracker.tracked, 1);
  const [again] = tracker.apply([tcpFlow({ flags: Flag.MIDSTREAM, bytesSent: 10 })]);
  assert.equal(again?.bytesSent, 10, 'a flow that reappears starts from zero');
});

test('UDP entries open when first seen and never close', () => {
  const tracker = new FlowDeltaTracker();
  const udp = tcpFlow({ protocol: 'udp', flags: 0, srttUs: 0, bytesSent: 60, packetsSent: 1 });
  const [w1] = tracker.apply([udp]);
  assert.equal(w1?.opened, true);
  const [w2] = tracker.apply([{ ...udp, flags: Flag.EVICTED, bytesSent: 120, packetsSent: 2 }]);
  assert.deepEqual([w2?.bytesSent, w2?.opened, w2?.closed], [60, false, false]);
});

test('a half carries the window, roles, measurements, process context and the client-endpoint key', () => {
  const tracker = new FlowDeltaTracker();
  const [delta] = tracker.apply([tcpFlow({ bytesSent: 1200, bytesReceived: 48_000, packetsSent: 9, packetsReceived: 35, retransmits: 2 })]);
  const window = { start: 1_763_700_000_000, end: 1_763_700_010_000 };
  const process = { pid: 4242, name: 'curl', cmdline: 'curl -s http://web/', containerId: null };
  const half = buildHalf(delta!, { node: 'node-a', window, process, localIp: '10.244.1.7' });
  assert.deepEqual(half, {
    node: 'node-a', vantage: 'SRC', protocol: 6, client_ip: '10.244.1.7', client_port: 43512, server_ip: '10.96.0.20', server_port: 80,
    window_start: window.start, window_end: window.end, bytes_sent: 1200, bytes_received: 48_000, packets_sent: 9, packets_received: 35,
    srtt_us: 300, retransmits: 2, opened: true, closed: false, pid: 4242, process_name: 'curl', cmdline: 'curl -s http://web/', container_id: null, synthetic: false,
    ...NO_HALF_FACTS,
  });
  assert.equal(halfKey(half), '6|10.244.1.7|43512');

  // the server's view of the same conversation has the same key
  const [serverDelta] = new FlowDeltaTracker().apply([
    tcpFlow({ flags: Flag.PASSIVE_OPEN, localIp: '10.244.2.9', localPort: 8080, remoteIp: '10.244.1.7', remotePort: 43512, bytesReceived: 1200 }),
  ]);
  const serverHalf = buildHalf(serverDelta!, { node: 'node-b', window, process, localIp: '10.244.2.9' });
  assert.equal(serverHalf.vantage, 'DST');
  assert.equal(halfKey(serverHalf), halfKey(half));

  const udpHalf = buildHalf({ ...delta!, flow: { ...delta!.flow, protocol: 'udp', flags: 0 } }, { node: 'n', window, process, localIp: '10.244.1.7' });
  assert.deepEqual([udpHalf.protocol, udpHalf.srtt_us, udpHalf.retransmits], [17, null, null]);
});
