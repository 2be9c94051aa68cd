#!/usr/bin/env node
// The rds-migrate executable (package.json "bin"). The CLI is TypeScript; tsx compiles it on the fly,
// so the CLI runs exactly the sources the Lambda function is bundled from.
import { register } from 'tsx/esm/api';

register();
await import('./rds-migrate.ts');
