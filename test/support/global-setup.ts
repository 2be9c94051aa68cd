import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../local/postgres/embedded-postgres';

/**
 * Starts one real PostgreSQL server for the whole run (embedded, or `DATABASE_URL` when set);
 * each test file then creates its own database on it with `createTestDatabase`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('pgAdminUrl', server.adminUrl);
  return () => server.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
