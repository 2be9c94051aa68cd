import * as fs from 'node:fs';
import * as path from 'node:path';

/** The files of one stack in a synthesized cloud assembly (`cdk.out`). */
export interface StackArtifacts {
  /** Artifact id in `manifest.json` (the stack's construct id for a top-level stack). */
  readonly artifactId: string;
  /** Absolute path of the stack's CloudFormation template. */
  readonly templateFile: string;
  /** Absolute path of the stack's asset manifest (`<stack>.assets.json`). */
  readonly assetManifestFile: string;
}

interface ManifestArtifact {
  readonly type?: string;
  readonly displayName?: string;
  readonly properties?: { templateFile?: string; stackName?: string; file?: string };
  readonly dependencies?: string[];
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * Finds a stack's template and asset manifest in a cloud assembly, by reading its `manifest.json`
 * (cloud assembly schema: artifacts of type `aws:cloudformation:stack` and `cdk:asset-manifest`).
 * A stack matches by artifact id, CloudFormation stack name or display name. Stacks inside stages
 * (nested assemblies) are not searched.
 *
 * @param cdkOut the cloud assembly folder (`cdk.out`)
 * @throws Error when the folder holds no `manifest.json`, the stack is not there (listing the
 *         stacks that are), or the stack has no asset manifest
 */
export function findStackArtifacts(cdkOut: string, stackName: string): StackArtifacts {
  const manifestFile = path.join(cdkOut, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`${cdkOut} is not a cloud assembly (no manifest.json): run \`npx cdk synth\` first`);
  }
  const artifacts = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(manifestFile).artifacts ?? {};
  const stacks = Object.entries(artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const found = stacks.find(
    ([id, a]) => id === stackName || a.properties?.stackName === stackName || a.displayName === stackName,
  );
  if (!found) {
    const names = stacks.map(([id]) => id).join(', ') || 'none';
    throw new Error(`stack "${stackName}" is not in ${cdkOut} (stacks there: ${names})`);
  }
  const [artifactId, stack] = found;
  const templateFile = stack.properties?.templateFile;
  if (!templateFile) throw new Error(`stack "${artifactId}" in ${manifestFile} has no templateFile`);
  const assetsId = (stack.dependencies ?? []).find((d) => artifacts[d]?.type === 'cdk:asset-manifest');
  const assetsFile = assetsId ? artifacts[assetsId]?.properties?.file : undefined;
  if (!assetsFile) throw new Error(`stack "${artifactId}" in ${manifestFile} has no asset manifest`);
  return {
    artifactId,
    templateFile: path.resolve(cdkOut, templateFile),
    assetManifestFile: path.resolve(cdkOut, assetsFile),
  };
}

/** A CloudFormation template, as far as the loader reads it. */
export interface Template {
  readonly Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
}

/** Reads a JSON template or asset manifest. @throws Error naming the file when it is not JSON */
export function readAssemblyJson<T>(file: string): T {
  return readJson<T>(file);
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source?: { path?: string; packaging?: string };
      readonly destinations?: Record<string, { objectKey?: string }>;
    }
  >;
}

/**
 * Finds the folder of the file asset that is uploaded as `objectKey` (the `S3Key` of a function's
 * `Code` in the template), by reading the asset manifest.
 *
 * @returns the absolute path of the asset's folder in the cloud assembly
 * @throws Error when no asset has that key or the asset is not a folder
 */
export function findAssetDirectory(assetManifestFile: string, objectKey: string): string {
  const files = readJson<AssetManifest>(assetManifestFile).files ?? {};
  for (const asset of Object.values(files)) {
    const keys = Object.values(asset.destinations ?? {}).map((d) => d.objectKey);
    if (!keys.includes(objectKey) || !asset.source?.path) continue;
    const dir = path.resolve(path.dirname(assetManifestFile), asset.source.path);
    if (asset.source.packaging !== 'zip' || !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`asset ${objectKey} in ${assetManifestFile} is not a folder: ${dir}`);
    }
    return dir;
  }
  throw new Error(`no asset with object key ${objectKey} in ${assetManifestFile}`);
}
