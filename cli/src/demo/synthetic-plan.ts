/**
 * The synthetic source's simulated cluster as a ClusterPlan, so the demo can
 * register its pods, workloads and Services in the Kubernetes API stand-in
 * and the enricher resolves synthetic flows like captured ones.
 */
import { SyntheticCluster } from '@flowmesh/node-agent';
import type { ClusterPlan } from './cluster-plan.js';

export function syntheticPlan(options: { seed: number; nodes: number }): ClusterPlan {
  const { model } = new SyntheticCluster({ seed: options.seed, nodes: options.nodes });
  const pods = [...model.pods.entries()].flatMap(([workload, list]) =>
    list.map((pod) => ({
      name: pod.name,
      namespace: pod.namespace,
      node: pod.node.name,
      ip: pod.ip,
      deployment: workload,
      container: workload,
      labels: { app: workload },
      containerId: pod.containerId,
    })),
  );
  return {
    clusterId: 'flowmesh-demo-synthetic',
    podCidr: '10.244.0.0/16',
    serviceCidr: '10.96.0.0/12',
    nodes: model.nodes.map((n) => ({ name: n.name, ip: n.ip, zone: 'zone-a' })),
    pods,
    services: [...model.services.values()].map((svc) => ({
      name: svc.name,
      namespace: svc.pods[0]?.namespace ?? 'default',
      clusterIp: svc.vip,
      port: svc.port,
      targetPort: svc.targetPort,
      protocol: svc.protocol === 'udp' ? 'UDP' : 'TCP',
      selector: { app: svc.name },
    })),
    external: { ip: '203.0.113.10', name: 'internet' },
  };
}
