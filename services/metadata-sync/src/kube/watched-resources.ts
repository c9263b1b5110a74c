/** The list call and watch path of every kind metadata-sync watches, cluster-wide. */
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { WatchedKind } from '../view/cluster-state.js';

export interface WatchedResource {
  kind: WatchedKind;
  path: string;
  list: () => Promise<KubernetesListObject<KubernetesObject>>;
}

export function watchedResources(config: KubeConfig): WatchedResource[] {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const batch = config.makeApiClient(BatchV1Api);
  const discovery = config.makeApiClient(DiscoveryV1Api);
  const table: Record<WatchedKind, Omit<WatchedResource, 'kind'>> = {
    Namespace: { path: '/api/v1/namespaces', list: () => core.listNamespace() },
    Node: { path: '/api/v1/nodes', list: () => core.listNode() },
    Pod: { path: '/api/v1/pods', list: () => core.listPodForAllNamespaces() },
    Service: { path: '/api/v1/services', list: () => core.listServiceForAllNamespaces() },
    EndpointSlice: { path: '/apis/discovery.k8s.io/v1/endpointslices', list: () => discovery.listEndpointSliceForAllNamespaces() },
    ReplicaSet: { path: '/apis/apps/v1/replicasets', list: () => apps.listReplicaSetForAllNamespaces() },
    Deployment: { path: '/apis/apps/v1/deployments', list: () => apps.listDeploymentForAllNamespaces() },
    StatefulSet: { path: '/apis/apps/v1/statefulsets', list: () => apps.listStatefulSetForAllNamespaces() },
    DaemonSet: { path: '/apis/apps/v1/daemonsets', list: () => apps.listDaemonSetForAllNamespaces() },
    Job: { path: '/apis/batch/v1/jobs', list: () => batch.listJobForAllNamespaces() },
    CronJob: { path: '/apis/batch/v1/cronjobs', list: () => batch.listCronJobForAllNamespaces() },
  };
  return (Object.entries(table) as [WatchedKind, Omit<WatchedResource, 'kind'>][]).map(([kind, resource]) => ({ kind, ...resource }));
}
