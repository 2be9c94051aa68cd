export * from './database-migrations';
export * from './database-migrations-props';
export { DatabaseMigrationsError } from './errors';
export { FUNCTION_ENVIRONMENT, SERVICE_NAME } from './function-environment';
export { DATA_API_ACTIONS, SNAPSHOT_KEY_ACTIONS, SNAPSHOT_OBJECT_ACTIONS } from './grants';
export { VerificationAlarms } from './verification-alarms';
export type { VerificationAlarmsProps } from './verification-alarms';
