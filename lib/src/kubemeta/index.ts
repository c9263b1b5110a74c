/**
 * The kubemeta view: key layout, record formats, the Redis writer used by
 * metadata-sync, and the batched reader used by the enricher. docs/kubemeta.md
 * describes the layout for operators and other languages.
 */
export {
  KUBEMETA_SCHEMA_VERSION,
  KubemetaKeys,
  VIEW_KEY_TYPES,
  type ViewKeyName,
  type ViewKeyType,
  normalizeContainerId,
  normalizeIp,
  splitViewKeyName,
  viewKeyName,
} from './keys.js';
export {
  type ContainerRecord,
  type ContainerRef,
  type HasIncarnation,
  type IpInterval,
  type NamespaceRecord,
  type NodeAddress,
  type NodeRecord,
  type OwnerKind,
  type PodRecord,
  type ServicePort,
  type ServiceRecord,
  type ViewMeta,
  type WorkloadRef,
  compareIncarnations,
  compareIntervals,
  pickIncarnation,
  selectInterval,
} from './records.js';
export { type ChangeListener, type KubemetaChange, encodeChanges, parseChangeMessage, subscribeChanges } from './changes.js';
export { KubemetaWriter, type KubemetaWriterOptions, type ViewOperation } from './writer.js';
export {
  type ContainerOwner,
  type IpOwner,
  type IpQuery,
  KubemetaReader,
  type KubemetaReaderOptions,
  type ResolveRequest,
  type Resolved,
  type ViewRequest,
  type ViewSnapshot,
} from './reader.js';
