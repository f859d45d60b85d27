/**
 * The Stripe SDK as one Lambda layer for every function that charges cards. The SDK is
 * 726 KB of a charging function's 1.4 MB bundle (unminified); in a layer there is one copy
 * for all of them, their bundles stay under 1 MB, and they load it on the first charge
 * only. The layer counts toward Lambda's 250 MB unzipped limit of each function and is
 * versioned with the stack: a new SDK version is a new layer version on the next deploy.
 *
 * Built locally, without Docker, by the project's esbuild from the installed `stripe`
 * package, which must be the version the lock file pins: the one the adapter tests run.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';
import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

const PROJECT_ROOT = path.join(__dirname, '..', '..');
const INSTALLED_SDK = path.join(PROJECT_ROOT, 'node_modules', 'stripe');
/** Where the Node.js runtimes look for layer packages (/opt/nodejs/node_modules). */
const PACKAGE_DIR = path.join('nodejs', 'node_modules', 'stripe');

/** The SDK in one minified CommonJS file; with the two versions, these make the asset hash. */
const BUILD = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  legalComments: 'eof',
} satisfies BuildOptions;

/** The esbuild options of the layer's index.js: the installed package's Node.js CommonJS build, bundled. */
export function stripeSdkBuild(): BuildOptions {
  return {
    ...BUILD,
    entryPoints: [require.resolve('stripe', { paths: [PROJECT_ROOT] })],
    // Module ids in the bundle are relative to this folder, so the output is the same on any machine.
    absWorkingDir: PROJECT_ROOT,
  };
}

export class StripeSdkLayer extends Construct {
  readonly layer: LayerVersion;
  /** The `stripe` version in the layer, as pinned by package-lock.json. */
  readonly sdkVersion: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const sdkVersion = lockedStripeVersion();
    this.sdkVersion = sdkVersion;
    this.layer = new LayerVersion(this, 'Layer', {
      description: `Stripe SDK ${sdkVersion} (stripe on npm) for the functions that charge cards`,
      compatibleRuntimes: [Runtime.NODEJS_22_X],
      compatibleArchitectures: [Architecture.ARM_64],
      license: 'MIT',
      code: Code.fromAsset(INSTALLED_SDK, {
        // The output depends only on these; hashing them spares fingerprinting the SDK's 1,600 files at every synth.
        assetHash: JSON.stringify({ stripe: sdkVersion, esbuild: esbuildVersion, build: BUILD }),
        bundling: {
          // Required by the type; the local build below either succeeds or throws, so no container is run.
          image: Runtime.NODEJS_22_X.bundlingImage,
          local: {
            tryBundle(outputDir: string): boolean {
              buildLayer(outputDir, sdkVersion);
              return true;
            },
          },
        },
      }),
    });
  }
}

function lockedStripeVersion(): string {
  const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string }>;
  };
  const locked = lock.packages?.['node_modules/stripe']?.version;
  const installed = (JSON.parse(readFileSync(path.join(INSTALLED_SDK, 'package.json'), 'utf8')) as { version?: string })
    .version;
  if (locked === undefined) throw new Error('package-lock.json pins no stripe package');
  if (installed !== locked) {
    throw new Error(
      `node_modules holds stripe ${installed ?? 'of no version'} but package-lock.json pins ${locked}: run npm ci before synth`,
    );
  }
  return locked;
}

function buildLayer(outputDir: string, sdkVersion: string): void {
  const packageDir = path.join(outputDir, PACKAGE_DIR);
  mkdirSync(packageDir, { recursive: true });
  buildSync({ ...stripeSdkBuild(), outfile: path.join(packageDir, 'index.js'), logLevel: 'error' });
  writeFileSync(
    path.join(packageDir, 'package.json'),
    `${JSON.stringify({ name: 'stripe', version: sdkVersion, main: 'index.js', license: 'MIT' }, null, 2)}\n`,
  );
  copyFileSync(path.join(INSTALLED_SDK, 'LICENSE'), path.join(packageDir, 'LICENSE'));
}
