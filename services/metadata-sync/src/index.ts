/**
 * @flowmesh/metadata-sync — keeps the kubemeta view in Redis current from the
 * Kubernetes API (see docs/kubemeta.md).
 *
 * - `metadataSyncCommand`: the CLI's `flowmesh metadata-sync` (options, validation, start).
 * - `startMetadataSync(context, config)`: runs it from a parsed config inside the service shell.
 * - `MetadataSync`: one replica, for tests and embedding.
 * - The Kubernetes API stand-in is exported separately as `@flowmesh/metadata-sync/standin`.
 * - `@flowmesh/metadata-sync/command`: the command alone, without the Kubernetes client (the CLI's start).
 */
export { metadataSyncCommand, settingsFromConfig, startMetadataSync } from './command.js';
export { type MetadataSyncConfig, metadataSyncOptions, metadataSyncOwnOptions } from './options.js';
export { type LeaseSettings, MetadataSync, type MetadataSyncSettings } from './metadata-sync.js';
export { WATCHED_KINDS, type WatchedKind } from './view/cluster-state.js';
export { type KubeConnectionOptions, buildKubeConfig } from './kube/kube-config.js';
export { LeaseElector, type LeaseElectorOptions } from './kube/lease-elector.js';
