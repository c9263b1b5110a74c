/**
 * The whole pipeline, headless: embedded stack, metadata-sync, joiner,
 * enricher and agents as the CLI runs them, then assertions on the enriched
 * output topic. As root on a BTF kernel the traffic is real and captured by
 * eBPF in network namespaces, and the byte counts are compared with what the
 * traffic script's sockets moved; the synthetic pipeline runs everywhere.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { DEFAULT_LOADER_PATH, probeProblems } from '@flowmesh/node-agent';
import { RecordCodec, TOPICS, type EnrichedFlow } from '@flowmesh/lib';
import { readTopic, testKafka, topicSize } from '@flowmesh/lib/testing';
import { startEmbeddedStack } from '../../cli/src/embedded-stack.js';
import { DEMO_PLAN, kubernetesObjects, type ClusterPlan } from '../../cli/src/demo/cluster-plan.js';
import { startPipeline, type AgentSpec, type RunningPipeline } from '../../cli/src/demo/pipeline.js';
import { buildSimCluster, type SimCluster } from '../../cli/src/demo/sim-cluster.js';
import { syntheticPlan } from '../../cli/src/demo/synthetic-plan.js';
import { startTraffic, type Conversation } from '../../cli/src/demo/traffic.js';

const codec = RecordCodec.local('EnrichedFlow');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ebpfProblems = [...(process.getuid?.() === 0 ? [] : ['not root']), ...probeProblems({ loaderPath: DEFAULT_LOADER_PATH })];

/** Waits until the flows topic stops growing (every window closed and enriched). */
async function settledFlows(brokers: string, minimum: number, quietMs: number, timeoutMs: number): Promise<EnrichedFlow[]> {
  const kafka = testKafka(brokers.split(','));
  const deadline = Date.now() + timeoutMs;
  let size = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = await topicSize(kafka, TOPICS.flows);
    if (now !== size) {
      size = now;
      stableSince = Date.now();
    } else if (size >= minimum && Date.now() - stableSince >= quietMs) break;
    await sleep(500);
  }
  const messages = await readTopic(kafka, TOPICS.flows, size, 20_000);
  return messages.map((m) => codec.decode(m.value!) as EnrichedFlow);
}

function logsOf(pipeline: RunningPipeline): string {
  return pipeline.services.map((s) => `--- ${s.name}\n${readFileSync(s.logFile, 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
}

async function withPipeline<T>(plan: ClusterPlan, agents: (netns: (node: string) => string) => AgentSpec[], body: (ctx: { brokers: string; pipeline: RunningPipeline; cluster: SimCluster | undefined }) => Promise<T>, useNetns: boolean): Promise<T> {
  const stack = await startEmbeddedStack({ partitions: 4 });
  const cluster = useNetns ? await buildSimCluster(plan, `fme${randomUUID().slice(0, 4)}`) : undefined;
  let pipeline: RunningPipeline | undefined;
  try {
    for (const object of kubernetesObjects(plan)) stack.kubeApi.standin.create(object);
    const netns = (node: string) => `/var/run/netns/${cluster?.netnsOf(node)}`;
    pipeline = await startPipeline({ stack, plan, agents: agents(netns), windowMs: 1000, logDir: `${tmpdir()}/flowmesh-e2e-${randomUUID().slice(0, 8)}` });
    return await body({ brokers: stack.kafkaBrokers, pipeline, cluster });
  } catch (error) {
    if (pipeline) process.stderr.write(`${logsOf(pipeline)}\n`);
    throw error;
  } finally {
    await pipeline?.stop();
    await cluster?.teardown();
    await stack.stop();
  }
}

describe('end to end', () => {
  it('synthetic source: every half enriched with its pods, workloads and Services, from both vantage points', async () => {
    const synthetic = { seed: 11, nodes: 3, rate: 30 };
    const plan = syntheticPlan(synthetic);
    await withPipeline(
      plan,
      () => [{ kind: 'synthetic', ...synthetic }],
      async ({ brokers }) => {
        await sleep(8000);
        const flows = await settledFlows(brokers, 50, 3000, 60_000);
        assert.ok(flows.length >= 50, `only ${flows.length} flows`);
        assert.ok(flows.every((f) => f.synthetic), 'synthetic records are marked');
        const matched = flows.filter((f) => f.match === 'MATCHED');
        assert.ok(matched.length > flows.length / 3, `too few MATCHED: ${matched.length}/${flows.length}`);
        assert.ok(matched.some((f) => f.vantage === 'SRC') && matched.some((f) => f.vantage === 'DST'));
        const podIps = new Map(plan.pods.map((p) => [p.ip, p]));
        for (const flow of matched) {
          for (const side of ['src', 'dst'] as const) {
            const pod = podIps.get(side === 'src' ? flow.src_addr : flow.dst_addr);
            if (!pod) continue;
            assert.equal(flow[`${side}_object_type`], 'pod', `${side} of ${flow.src_addr}->${flow.dst_addr}`);
            assert.equal(flow[`${side}_object_name`], pod.name);
            assert.equal(flow[`${side}_workload_name`], pod.deployment);
            assert.equal(flow[`${side}_workload_kind`], 'Deployment');
          }
        }
        assert.ok(flows.some((f) => f.service_name), 'some flows name the Service the client dialled');
        assert.ok(flows.some((f) => f.match === 'EXTERNAL' && (f.src_object_type === 'external' || f.dst_object_type === 'external')));
      },
      false,
    );
  });

  it('eBPF in network namespaces: every conversation from both vantage points, right pods/workloads/Service, exact bytes', { skip: ebpfProblems.length ? `needs root on a BTF kernel with the probe built: ${ebpfProblems.join('; ')}` : false }, async () => {
    const plan = DEMO_PLAN;
    await withPipeline(
      plan,
      (netns) => plan.nodes.map((node) => ({ kind: 'ebpf', node: node.name, netnsPath: netns(node.name) })),
      async ({ brokers, cluster, pipeline }) => {
        // Traffic must start after the probes attached: bytes moved before are invisible to them.
        await pipeline.waitReady();
        const traffic = await startTraffic(plan, cluster!, { requests: 20, intervalMs: 100 });
        const truth = await traffic.finished;
        const flows = await settledFlows(brokers, truth.length * 2, 4000, 60_000);
        for (const conversation of truth) checkConversation(plan, conversation, flows);
      },
      true,
    );
  });
});

const podByIp = (plan: ClusterPlan, ip: string) => plan.pods.find((p) => p.ip === ip);

/** Every conversation the traffic script made, as the pipeline reported it. */
function checkConversation(plan: ClusterPlan, conversation: Conversation, flows: EnrichedFlow[]): void {
  const [clientIp, clientPort] = conversation.local.split(':');
  const [dialledIp] = conversation.remote.split(':');
  const mine = flows.filter((f) => f.protocol === conversation.protocol && f.src_addr === clientIp && f.src_port === Number(clientPort));
  const what = `${conversation.actor} ${conversation.local} -> ${conversation.remote}`;
  const src = mine.filter((f) => f.vantage === 'SRC');
  const dst = mine.filter((f) => f.vantage === 'DST');
  const sum = (list: EnrichedFlow[], field: 'out_bytes' | 'in_bytes') => list.reduce((total, f) => total + f[field], 0);
  const clientPod = podByIp(plan, clientIp!)!;
  assert.ok(src.length > 0, `${what}: no SRC-vantage record`);
  assert.equal(sum(src, 'out_bytes'), conversation.bytesSent, `${what}: bytes sent (SRC)`);
  assert.equal(sum(src, 'in_bytes'), conversation.bytesReceived, `${what}: bytes received (SRC)`);
  for (const flow of src) {
    assert.equal(flow.src_object_name, clientPod.name, what);
    assert.equal(flow.src_workload_name, clientPod.deployment, what);
    assert.equal(flow.src_process_name, conversation.actor, what);
    assert.equal(flow.reporter_node, clientPod.node, what);
    if (flow.protocol === 6) assert.ok((flow.latency_ms ?? 0) > 0, `${what}: RTT`);
  }
  if (dialledIp === plan.external.ip) {
    assert.ok(src.every((f) => f.match === 'EXTERNAL' && f.dst_object_type === 'external'), `${what}: external peer`);
    assert.equal(dst.length, 0, `${what}: nobody inside the cluster reports the external end`);
    return;
  }
  const service = plan.services.find((s) => s.clusterIp === dialledIp);
  const serverPod = service ? plan.pods.find((p) => p.labels.app === service.selector.app)! : podByIp(plan, dialledIp!)!;
  assert.ok(dst.length > 0, `${what}: no DST-vantage record`);
  assert.equal(sum(dst, 'in_bytes'), conversation.bytesSent, `${what}: bytes the server received (DST)`);
  assert.equal(sum(dst, 'out_bytes'), conversation.bytesReceived, `${what}: bytes the server sent (DST)`);
  for (const flow of mine) {
    assert.equal(flow.match, 'MATCHED', `${what}: ${flow.vantage} match`);
    assert.equal(flow.dst_addr, serverPod.ip, `${what}: destination is the pod behind the Service`);
    assert.equal(flow.dst_object_name, serverPod.name, what);
    assert.equal(flow.dst_workload_name, serverPod.deployment, what);
    assert.equal(flow.dst_node, serverPod.node, what);
    assert.equal(flow.src_node, clientPod.node, what);
    if (service) assert.equal(flow.service_name, service.name, `${what}: Service`);
  }
}

