/** Where the Kubernetes API is: an explicit URL (the stand-in), a kubeconfig file, in-cluster, or the usual defaults. */
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConnectionOptions {
  /** API server URL; plain http is allowed (the stand-in), TLS is not verified for it. */
  kubeApi?: string;
  kubeconfig?: string;
  kubeContext?: string;
}

export function buildKubeConfig(options: KubeConnectionOptions): KubeConfig {
  const config = new KubeConfig();
  if (options.kubeApi) {
    const server = options.kubeApi.replace(/\/+$/, '');
    config.loadFromOptions({
      clusters: [{ name: 'flowmesh', server, skipTLSVerify: server.startsWith('http:') }],
      users: [{ name: 'flowmesh' }],
      contexts: [{ name: 'flowmesh', cluster: 'flowmesh', user: 'flowmesh' }],
      currentContext: 'flowmesh',
    });
  } else if (options.kubeconfig) {
    config.loadFromFile(options.kubeconfig);
  } else if (process.env['KUBERNETES_SERVICE_HOST']) {
    config.loadFromCluster();
  } else {
    config.loadFromDefault();
  }
  if (options.kubeContext) config.setCurrentContext(options.kubeContext);
  return config;
}
