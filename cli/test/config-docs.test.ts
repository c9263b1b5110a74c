import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderConfigReference } from '../src/config-docs.js';
import { serviceCommands } from '../src/services.js';

describe('docs/config.md', () => {
  it('is what the option specs generate (regenerate: node bin/flowmesh.js config-docs > docs/config.md)', () => {
    assert.equal(readFileSync('docs/config.md', 'utf8'), renderConfigReference(serviceCommands));
  });

  it('documents every service command', () => {
    const names = serviceCommands.map((c) => c.name).sort();
    assert.deepEqual(names, ['agent', 'enricher', 'flow-metrics', 'ipfix-export', 'joiner', 'metadata-sync', 'ui']);
  });
});
