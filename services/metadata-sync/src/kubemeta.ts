/**
 * The kubemeta view's layout, writer and reader (lib/src/kubemeta). Imported
 * through this one module so the path changes in one place once
 * `@flowmesh/lib` re-exports it.
 */
export * from '../../../lib/src/kubemeta/index.js';
