/** Where the Kubernetes API is: an explicit URL (the stand-in), a kubeconfig file, in-cluster, or the usual defaults. */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
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

/**
 * Why no Kubernetes API can be reached with these options, before anything
 * starts: a kubeconfig that cannot be read, or none at all outside a cluster.
 * (Without this, the client library falls back to http://localhost:8080 and
 * logs a refusal per request.)
 */
export function kubeSourceProblems(options: KubeConnectionOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  if (options.kubeApi) return [];
  if (options.kubeconfig) return unreadable(options.kubeconfig).map((why) => `--kubeconfig ${options.kubeconfig}: cannot read it (${why})`);
  if (env['KUBERNETES_SERVICE_HOST']) return [];
  const files = env['KUBECONFIG'] ? env['KUBECONFIG'].split(delimiter).filter(Boolean) : [join(homedir(), '.kube', 'config')];
  if (files.some((file) => unreadable(file).length === 0)) return [];
  return [
    `no Kubernetes API to watch: give --kube-api <url> (e.g. the KUBE_API that \`flowmesh stack\` prints) or --kubeconfig <file>, or run in a cluster (${env['KUBECONFIG'] ? `$KUBECONFIG=${env['KUBECONFIG']} cannot be read` : '~/.kube/config does not exist'})`,
  ];
}

function unreadable(path: string): string[] {
  try {
    accessSync(path, constants.R_OK);
    return [];
  } catch (error) {
    return [(error as NodeJS.ErrnoException).code ?? (error as Error).message];
  }
}
