/**
 * The simulated cluster of the demo and the end-to-end test, as data: nodes,
 * pods (with their addresses and owning Deployment), Services and one host
 * outside the cluster. `kubernetesObjects` turns it into the API objects the
 * stand-in serves, so metadata-sync sees it exactly as it would a real cluster.
 */
export interface PlanNode {
  name: string;
  /** The node's own address (host-network traffic, kubelet). */
  ip: string;
  zone: string;
}

export interface PlanPod {
  name: string;
  namespace: string;
  node: string;
  ip: string;
  deployment: string;
  container: string;
  labels: Record<string, string>;
  /** Container runtime id, when the pod's processes run in a container. */
  containerId?: string;
}

export interface PlanService {
  name: string;
  namespace: string;
  clusterIp: string;
  port: number;
  targetPort: number;
  protocol: 'TCP' | 'UDP';
  selector: Record<string, string>;
}

export interface ClusterPlan {
  clusterId: string;
  podCidr: string;
  serviceCidr: string;
  nodes: PlanNode[];
  pods: PlanPod[];
  services: PlanService[];
  external: { ip: string; name: string };
}

export const DEMO_PLAN: ClusterPlan = {
  clusterId: 'flowmesh-demo',
  podCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/12',
  nodes: [
    { name: 'node-a', ip: '10.250.0.1', zone: 'zone-a' },
    { name: 'node-b', ip: '10.250.0.2', zone: 'zone-b' },
  ],
  pods: [
    { name: 'frontend-6c9d7b5f4-x2k8p', namespace: 'shop', node: 'node-a', ip: '10.244.1.10', deployment: 'frontend', container: 'frontend', labels: { app: 'frontend', tier: 'web' } },
    { name: 'loadgen-5d8f6c7b9-q7w4z', namespace: 'shop', node: 'node-a', ip: '10.244.1.11', deployment: 'loadgen', container: 'loadgen', labels: { app: 'loadgen' } },
    { name: 'catalog-7f8c9d6b5-m3n9t', namespace: 'shop', node: 'node-b', ip: '10.244.2.10', deployment: 'catalog', container: 'catalog', labels: { app: 'catalog', tier: 'api' } },
    { name: 'coredns-6d4b75cb6d-r8t2v', namespace: 'kube-system', node: 'node-b', ip: '10.244.2.53', deployment: 'coredns', container: 'coredns', labels: { 'k8s-app': 'kube-dns' } },
  ],
  services: [
    { name: 'catalog', namespace: 'shop', clusterIp: '10.96.0.80', port: 80, targetPort: 8080, protocol: 'TCP', selector: { app: 'catalog' } },
  ],
  external: { ip: '203.0.113.10', name: 'api.example.net' },
};

type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: Record<string, unknown> };

/** Stable fake uids so owner references resolve. */
function uid(kind: string, namespace: string, name: string): string {
  let h = 0;
  for (const c of `${kind}/${namespace}/${name}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return `00000000-0000-4000-8000-${h.toString(16).padStart(12, '0')}`;
}

export function kubernetesObjects(plan: ClusterPlan): KubeObject[] {
  const objects: KubeObject[] = [];
  const namespaces = new Set(plan.pods.map((p) => p.namespace));
  for (const ns of namespaces) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, uid: uid('Namespace', '', ns), labels: { 'kubernetes.io/metadata.name': ns } } });
  }
  for (const node of plan.nodes) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node.name, uid: uid('Node', '', node.name), labels: { 'topology.kubernetes.io/zone': node.zone, 'kubernetes.io/hostname': node.name } },
      status: { addresses: [{ type: 'InternalIP', address: node.ip }, { type: 'Hostname', address: node.name }] },
    });
  }
  for (const pod of plan.pods) {
    const rsName = `${pod.deployment}-${uid('ReplicaSet', pod.namespace, pod.deployment).slice(-9)}`;
    const deploymentUid = uid('Deployment', pod.namespace, pod.deployment);
    const rsUid = uid('ReplicaSet', pod.namespace, rsName);
    const owner = (kind: string, name: string, ownerUid: string) => [{ apiVersion: 'apps/v1', kind, name, uid: ownerUid, controller: true }];
    if (!objects.some((o) => o.kind === 'Deployment' && o.metadata.name === pod.deployment && o.metadata.namespace === pod.namespace)) {
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: pod.deployment, namespace: pod.namespace, uid: deploymentUid, labels: pod.labels },
        spec: { replicas: 1, selector: { matchLabels: pod.labels }, template: { metadata: { labels: pod.labels }, spec: { containers: [{ name: pod.container, image: `demo/${pod.container}:1` }] } } },
      });
    }
    if (!objects.some((o) => o.kind === 'ReplicaSet' && o.metadata.name === rsName && o.metadata.namespace === pod.namespace)) {
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: rsName, namespace: pod.namespace, uid: rsUid, labels: pod.labels, ownerReferences: owner('Deployment', pod.deployment, deploymentUid) },
        spec: { replicas: 1, selector: { matchLabels: pod.labels } },
      });
    }
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.name, namespace: pod.namespace, uid: uid('Pod', pod.namespace, pod.name), labels: pod.labels, ownerReferences: owner('ReplicaSet', rsName, rsUid) },
      spec: { nodeName: pod.node, containers: [{ name: pod.container, image: `demo/${pod.container}:1` }] },
      status: { phase: 'Running', podIP: pod.ip, podIPs: [{ ip: pod.ip }], hostIP: plan.nodes.find((n) => n.name === pod.node)?.ip, containerStatuses: pod.containerId ? [{ name: pod.container, containerID: `containerd://${pod.containerId}`, ready: true }] : [] },
    });
  }
  for (const svc of plan.services) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: svc.name, namespace: svc.namespace, uid: uid('Service', svc.namespace, svc.name) },
      spec: { clusterIP: svc.clusterIp, clusterIPs: [svc.clusterIp], selector: svc.selector, ports: [{ name: 'main', port: svc.port, targetPort: svc.targetPort, protocol: svc.protocol }] },
    });
    const backends = plan.pods.filter((p) => p.namespace === svc.namespace && Object.entries(svc.selector).every(([k, v]) => p.labels[k] === v));
    objects.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${svc.name}-abc12`, namespace: svc.namespace, labels: { 'kubernetes.io/service-name': svc.name } },
      addressType: 'IPv4',
      endpoints: backends.map((p) => ({ addresses: [p.ip], nodeName: p.node, targetRef: { kind: 'Pod', name: p.name, namespace: p.namespace } })),
      ports: [{ name: 'main', port: svc.targetPort, protocol: svc.protocol }],
    });
  }
  return objects;
}
