/** The services the CLI runs, each a ServiceCommand exported by its package. */
import type { OptionSpecs, ServiceCommand } from '@flowmesh/lib';
import { enricherCommand } from '@flowmesh/enricher';
import { ipfixExportCommand } from '@flowmesh/ipfix-export';
import { flowMetricsCommand } from '@flowmesh/flow-metrics';
import { joinerCommand } from '@flowmesh/joiner';
// Not the package index: that brings the Kubernetes client, which only `metadata-sync` itself needs.
import { metadataSyncCommand } from '@flowmesh/metadata-sync/command';
import { nodeAgentCommand } from '@flowmesh/node-agent';
import { uiCommand } from '@flowmesh/ui';

export const serviceCommands: ServiceCommand<OptionSpecs>[] = [
  nodeAgentCommand,
  joinerCommand,
  enricherCommand,
  metadataSyncCommand,
  ipfixExportCommand,
  flowMetricsCommand,
  uiCommand,
] as unknown as ServiceCommand<OptionSpecs>[];
