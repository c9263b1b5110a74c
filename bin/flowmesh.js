#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx (esbuild), so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../cli/src/main.ts');
