/**
 * The Kubernetes API stand-in: `start()` for the embedded stack and tests,
 * the `KubeApiStandin` class for in-process control (seeding, fault hooks).
 */
import { KubeApiStandin, type KubeApiStandinOptions } from './kube-api-standin.js';

export { KubeApiStandin, type KubeApiStandinOptions } from './kube-api-standin.js';
export type { KubeObject } from './object-store.js';
export { parseSeedYaml, readSeedFile } from './seed.js';
export type { WatchCloseMode } from './watch-session.js';
export { RESOURCE_TYPES, type ResourceType } from './resource-types.js';

export interface StartStandinOptions extends KubeApiStandinOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Multi-document YAML of objects to create before serving. */
  seedFile?: string;
}

export interface RunningStandin {
  /** Base URL, e.g. http://127.0.0.1:40123 (printed by `flowmesh stack` as KUBE_API=...). */
  url: string;
  standin: KubeApiStandin;
  stop(): Promise<void>;
}

export async function start(options: StartStandinOptions = {}): Promise<RunningStandin> {
  const standin = new KubeApiStandin(options);
  if (options.seedFile) await standin.seedFile(options.seedFile);
  const url = await standin.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return { url, standin, stop: () => standin.close() };
}
