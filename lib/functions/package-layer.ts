/**
 * One npm package as a Lambda layer, for the functions that require it: one copy for all
 * of them, their bundles smaller, and the package loaded from the layer when first
 * required. The Stripe SDK (726 KB of a charging function's bundle, unminified) and
 * pdf-lib (1,000 KB of the API's) are shipped so. A layer counts toward Lambda's 250 MB
 * unzipped limit of each function and is versioned with the stack: a new version of the
 * package or of one of its dependencies is a new layer version on the next deploy.
 *
 * Built locally, without Docker, by the project's esbuild from the installed package and
 * its dependencies, bundled into one file; each must be the version the lock file pins:
 * the one the tests run.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';
import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The package in one minified CommonJS file; with the locked versions, these make the asset hash. */
const BUILD = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  legalComments: 'eof',
} satisfies BuildOptions;

/** The esbuild options of a layer's index.js: the installed package's Node.js CommonJS build, bundled with its dependencies. */
export function packageLayerBuild(packageName: string): BuildOptions {
  return {
    ...BUILD,
    entryPoints: [require.resolve(packageName, { paths: [PROJECT_ROOT] })],
    // Module ids in the bundle are relative to this folder, so the output is the same on any machine.
    absWorkingDir: PROJECT_ROOT,
  };
}

export interface PackageLayerProps {
  /** The npm package, as the functions require it. */
  readonly packageName: string;
  /** What the package is, first in the layer's description ("Stripe SDK"). */
  readonly title: string;
  /** Who uses it, last in the description ("for the functions that charge cards"). */
  readonly purpose: string;
}

export class PackageLayer extends Construct {
  readonly layer: LayerVersion;
  /** The package the layer holds, where the Node.js runtimes look for it (/opt/nodejs/node_modules). */
  readonly packageName: string;
  /** Its version, as pinned by package-lock.json. */
  readonly version: string;

  constructor(scope: Construct, id: string, props: PackageLayerProps) {
    super(scope, id);
    const [root, ...dependencies] = lockedPackages(props.packageName);
    this.packageName = root.name;
    this.version = root.version;
    const license = licenseExpression([root, ...dependencies]);
    this.layer = new LayerVersion(this, 'Layer', {
      description: `${props.title} ${root.version} (${root.name} on npm) ${props.purpose}`,
      compatibleRuntimes: [Runtime.NODEJS_22_X],
      compatibleArchitectures: [Architecture.ARM_64],
      license,
      code: Code.fromAsset(path.join(PROJECT_ROOT, root.dir), {
        // The output depends only on these; hashing them spares fingerprinting the packages' files at every synth.
        // A package without dependencies (the Stripe SDK) keeps the hash it had before dependencies were hashed.
        assetHash: JSON.stringify({
          [root.name]: root.version,
          ...(dependencies.length > 0 && {
            dependencies: Object.fromEntries(dependencies.map(({ dir, version }) => [dir, version])),
          }),
          esbuild: esbuildVersion,
          build: BUILD,
        }),
        bundling: {
          // Required by the type; the local build below either succeeds or throws, so no container is run.
          image: Runtime.NODEJS_22_X.bundlingImage,
          local: {
            tryBundle(outputDir: string): boolean {
              buildLayer(outputDir, root, dependencies, license);
              return true;
            },
          },
        },
      }),
    });
  }
}

/** A package as installed, checked against the lock file. */
interface LockedPackage {
  readonly name: string;
  readonly version: string;
  /** The SPDX expression of its package.json. */
  readonly license: string;
  /** Its folder from the project root, as the lock file names it (node_modules/pdf-lib/node_modules/tslib). */
  readonly dir: string;
}

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** The package, then every package it depends on, transitively, each once, as Node.js resolves them. */
function lockedPackages(packageName: string): [LockedPackage, ...LockedPackage[]] {
  const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockEntry>;
  };
  const entries = lock.packages ?? {};
  const found = new Map<string, LockedPackage>();
  const visit = (name: string, from: string, optional: boolean): void => {
    const dir = lockedDir(entries, name, from);
    if (dir === undefined) {
      if (optional) return;
      throw new Error(`package-lock.json pins no ${name} package${from === '' ? '' : ` for ${from}`}`);
    }
    if (found.has(dir)) return;
    const entry = entries[dir] ?? {};
    found.set(dir, installedAsLocked(name, dir, entry.version));
    for (const dependency of Object.keys(entry.dependencies ?? {})) visit(dependency, dir, false);
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) visit(dependency, dir, true);
  };
  visit(packageName, '', false);
  const [root, ...dependencies] = found.values();
  if (root === undefined) throw new Error(`package-lock.json pins no ${packageName} package`);
  return [root, ...dependencies];
}

/** Where Node.js finds `name` from the package in `from` ('' for the project): its own node_modules, then its parents'. */
function lockedDir(entries: Record<string, LockEntry>, name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (entries[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent === -1 ? '' : dir.slice(0, parent);
  }
}

function installedAsLocked(name: string, dir: string, locked: string | undefined): LockedPackage {
  const manifest = path.join(PROJECT_ROOT, dir, 'package.json');
  if (!existsSync(manifest)) throw new Error(`${dir} is not installed: run npm ci before synth`);
  const installed = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string; license?: string };
  if (locked === undefined || installed.version !== locked) {
    throw new Error(
      `${dir} holds ${name} ${installed.version ?? 'of no version'} but package-lock.json pins ${locked ?? 'none'}: run npm ci before synth`,
    );
  }
  if (installed.license === undefined) throw new Error(`${name} ${locked} names no license in its package.json`);
  return { name, version: locked, license: installed.license, dir };
}

/** The licenses of everything bundled in the layer's file, as one SPDX expression ("MIT" for the Stripe SDK). */
function licenseExpression(packages: readonly LockedPackage[]): string {
  const licenses = [...new Set(packages.map(({ license }) => license))];
  const compound = (license: string) => licenses.length > 1 && /\s/.test(license) && !license.startsWith('(');
  return licenses.map((license) => (compound(license) ? `(${license})` : license)).join(' AND ');
}

/** The package's license text, under the names packages give it (LICENSE, LICENSE.md, LICENCE.txt...). */
function licenseFileOf({ name, dir }: LockedPackage): string {
  const file = readdirSync(path.join(PROJECT_ROOT, dir)).find((entry) => /^licen[cs]e(\.(md|txt))?$/i.test(entry));
  if (file === undefined) throw new Error(`${name} has no license file to ship in its layer`);
  return path.join(PROJECT_ROOT, dir, file);
}

/**
 * nodejs/node_modules/<package>/: index.js, a package.json naming it, the package's
 * LICENSE, and the licenses of the dependencies bundled with it in THIRD_PARTY_LICENSES.
 */
function buildLayer(
  outputDir: string,
  root: LockedPackage,
  dependencies: readonly LockedPackage[],
  license: string,
): void {
  const packageDir = path.join(outputDir, 'nodejs', 'node_modules', root.name);
  mkdirSync(packageDir, { recursive: true });
  buildSync({ ...packageLayerBuild(root.name), outfile: path.join(packageDir, 'index.js'), logLevel: 'error' });
  writeFileSync(
    path.join(packageDir, 'package.json'),
    `${JSON.stringify({ name: root.name, version: root.version, main: 'index.js', license }, null, 2)}\n`,
  );
  copyFileSync(licenseFileOf(root), path.join(packageDir, 'LICENSE'));
  if (dependencies.length === 0) return;
  const notices = dependencies.map(
    (dependency) =>
      `${dependency.name} ${dependency.version} (${dependency.license})\n\n${readFileSync(licenseFileOf(dependency), 'utf8').trim()}\n`,
  );
  writeFileSync(path.join(packageDir, 'THIRD_PARTY_LICENSES'), notices.join('\n'));
}
