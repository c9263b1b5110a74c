/** The services the CLI runs, each a ServiceCommand exported by its package. */
import type { OptionSpecs, ServiceCommand } from '@flowmesh/lib';

export const serviceCommands: ServiceCommand<OptionSpecs>[] = [];
