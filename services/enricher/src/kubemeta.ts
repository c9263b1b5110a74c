/**
 * The kubemeta view's shared code (key layout, records, reader), which lives in
 * lib/src/kubemeta but is not exported from @flowmesh/lib's index yet. The one
 * place to change when it is.
 */
export * from '../../../lib/src/kubemeta/index.js';
