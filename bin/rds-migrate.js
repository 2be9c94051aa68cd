#!/usr/bin/env node
// The rds-migrate executable (package.json "bin"). The CLI is TypeScript; tsx compiles it on the fly,
// so the CLI runs exactly the sources the Lambda function is bundled from. tsx is told to use this
// package's tsconfig.json, not the one of the project the command runs in.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
await import('./rds-migrate.ts');
