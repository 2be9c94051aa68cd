/**
 * Defaults for AWS clients pointed at a local stand-in (the local Data API of `data-api-local`, a
 * local S3 such as s3rver) on this machine, so that a newcomer needs no AWS configuration:
 * region `us-east-1` and the development key pair `S3RVER`/`S3RVER` (s3rver checks signatures
 * against it; the local Data API accepts any). Applied only to loopback endpoints (`localhost`,
 * `127.0.0.0/8`, `::1`) and only for what the environment does not set (`AWS_REGION`,
 * `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`).
 */

export const LOCAL_ACCESS_KEY_ID = 'S3RVER';
export const LOCAL_SECRET_ACCESS_KEY = 'S3RVER';
export const LOCAL_REGION = 'us-east-1';

/** True when `endpoint` is an http(s) URL on this machine. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** Client configuration shared by the CLI's AWS clients. */
export interface AwsClientConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * The configuration of an AWS SDK client for `endpoint` (absent: the service's AWS endpoint) and
 * `region` (absent: the SDK's own resolution), with the local defaults above for loopback endpoints.
 */
export function awsClientConfig(options: { endpoint?: string; region?: string }, env: NodeJS.ProcessEnv): AwsClientConfig {
  const config: AwsClientConfig = {};
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.region) config.region = options.region;
  if (options.endpoint && isLoopbackEndpoint(options.endpoint)) {
    if (!config.region && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) config.region = LOCAL_REGION;
    if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) {
      config.credentials = { accessKeyId: LOCAL_ACCESS_KEY_ID, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };
    }
  }
  return config;
}
