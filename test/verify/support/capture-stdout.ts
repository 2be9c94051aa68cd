/**
 * Captures what the process writes to stdout and stderr while `work` runs (the Powertools Logger and
 * Metrics write there directly, not through console), and parses the JSON lines.
 */
export interface Captured {
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr lines that parse as JSON objects (Powertools writes WARN and ERROR to stderr). */
  readonly json: Array<Record<string, unknown>>;
  /** The EMF documents among them (those with `_aws.CloudWatchMetrics`). */
  readonly emf: Array<Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } }>;
}

export async function captureOutput<T>(work: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; output: Captured }> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  let result: T | undefined;
  let error: unknown;
  try {
    result = await work();
  } catch (e) {
    error = e;
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
  const stdout = out.join('');
  const stderr = err.join('');
  const json = `${stdout}\n${stderr}`
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { result, error, output: { stdout, stderr, json, emf: json.filter((j) => '_aws' in j) as Captured['emf'] } };
}
