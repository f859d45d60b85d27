/**
 * Prints what the Lambda code of the last synth weighs (`npm run synth`, then
 * `npm run bundle-sizes [cdk.out]`):
 * - per function: index.js as deployed (minified) and rebuilt unminified with the same
 *   entry and external modules (the "unminified-equivalent" of the 1 MB target), its
 *   layers, where it gets each package a layer carries, and the external packages its
 *   cold start requires;
 * - per layer: its files, and its package's index.js rebuilt unminified.
 *
 * The cold start is observed by loading each bundle in a child Node.js process with the
 * function's environment (intrinsic values replaced by placeholders, AWS endpoints pointed
 * at a closed local port so nothing leaves the machine), up to the first macrotask: what
 * module initialisation requires, before any invocation.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { BILLING_ENTRIES } from '../lib/functions/billing-function';
import { packageLayerBuild } from '../lib/functions/package-layer';
import { textTable } from './text-table';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: {
    readonly Handler?: string;
    readonly Layers?: unknown[];
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
  readonly Metadata?: Record<string, unknown>;
}

const outDir = resolve(process.argv[2] ?? join(__dirname, '..', 'cdk.out'));
const templates = readdirSync(outDir).filter((name) => name.endsWith('.template.json'));
if (templates.length === 0) {
  process.stderr.write(`no template in ${outDir}: run npm run synth first\n`);
  process.exit(1);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const unminifiedBytes = (options: Parameters<typeof buildSync>[0]) =>
  (buildSync({ ...options, minify: false, write: false, logLevel: 'error' }).outputFiles ?? []).reduce(
    (total, file) => total + file.contents.length,
    0,
  );

/** Packages (not Node.js built-ins) the bundle leaves to the runtime or a layer. */
function externalsOf(bundle: string): string[] {
  const required = [...readFileSync(bundle, 'utf8').matchAll(/require\("([^"]+)"\)/g)].flatMap((match) =>
    match.slice(1),
  );
  return [...new Set(required.filter((name) => !isBuiltin(name)))].sort();
}

/** The functions/lambda entry the bundle was built from, found among the sources of its map. */
function entryOf(assetDir: string): string {
  const { sources } = JSON.parse(readFileSync(join(assetDir, 'index.js.map'), 'utf8')) as { sources: string[] };
  const entries = sources
    .map((source) => resolve(assetDir, source))
    .filter((file) => BILLING_ENTRIES.some((entry) => file.endsWith(join('functions', 'lambda', `${entry}.ts`))));
  const [entry, ...others] = entries;
  if (entry === undefined || others.length > 0)
    throw new Error(`${assetDir}: expected one entry among the sources, found ${entries.length}`);
  return entry;
}

/**
 * For each package a layer of the synth carries, where the function gets it from: a layer
 * attached to it (loaded at cold start or on first use), its bundle, or nowhere (left out
 * of the bundle with no layer to carry it); packages it does not use are not listed.
 */
function layerPackagesOf(assetDir: string, attached: string[], coldStart: string[]): string {
  const externals = externalsOf(join(assetDir, 'index.js'));
  const { sources } = JSON.parse(readFileSync(join(assetDir, 'index.js.map'), 'utf8')) as { sources: string[] };
  const uses = [...layerPackages].sort().flatMap((name) => {
    if (externals.includes(name)) {
      if (!attached.includes(name)) return [`${name}: MISSING, no layer`];
      return [`${name}: layer, ${coldStart.includes(name) ? 'at cold start' : 'on first use'}`];
    }
    return sources.some((source) => source.includes(`node_modules/${name}/`)) ? [`${name}: bundled`] : [];
  });
  return uses.join('; ') || '-';
}

/** The external packages required while the bundle initialises, loaded as Lambda would with the layers on NODE_PATH. */
function coldStartRequires(bundle: string, environment: Record<string, unknown>, layerDirs: string[]): string[] {
  const closedPort = 'http://127.0.0.1:9';
  const env = {
    PATH: process.env.PATH,
    ...Object.fromEntries(
      Object.entries(environment).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `placeholder-${name.toLowerCase()}`,
      ]),
    ),
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'placeholder',
    AWS_SECRET_ACCESS_KEY: 'placeholder',
    AWS_ENDPOINT_URL: closedPort,
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_PATH: layerDirs.map((dir) => join(dir, 'nodejs', 'node_modules')).join(':'),
  };
  const probe = `
    process.on('unhandledRejection', () => {});
    require(process.argv[1]);
    setImmediate(() => {
      const packages = Object.keys(require.cache).map((file) => /.*node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1]).filter(Boolean);
      process.stdout.write(JSON.stringify([...new Set(packages)]));
      process.exit(0);
    });`;
  const loaded = JSON.parse(
    execFileSync(process.execPath, ['--no-warnings', '-e', probe, bundle], { env, encoding: 'utf8' }),
  ) as string[];
  const externals = externalsOf(bundle);
  return loaded.filter((name) => externals.includes(name)).sort();
}

/** A layer's package: nodejs/node_modules/<package>/index.js, where the Node.js runtimes look for it. */
const LAYER_PACKAGE = /^nodejs\/node_modules\/((?:@[^/]+\/)?[^/]+)\/index\.js$/;
const filesOf = (folder: string): string[] =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesOf(join(folder, entry.name)) : [join(folder, entry.name)],
  );
const packagesOf = (layerDir: string): string[] =>
  filesOf(layerDir).flatMap((file) => LAYER_PACKAGE.exec(relative(layerDir, file))?.[1] ?? []);

const layers = new Map<string, { logicalId: string; dir: string }>();
const functions: Array<{ logicalId: string; resource: TemplateResource; dir: string }> = [];
for (const file of templates) {
  const template = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as {
    Resources?: Record<string, TemplateResource>;
  };
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') continue;
    if (resource.Type === 'AWS::Lambda::LayerVersion')
      layers.set(logicalId, { logicalId, dir: join(outDir, assetPath) });
    if (resource.Type === 'AWS::Lambda::Function')
      functions.push({ logicalId, resource, dir: join(outDir, assetPath) });
  }
}
const layerPackages = new Set([...layers.values()].flatMap(({ dir }) => packagesOf(dir)));

const functionRows = [
  ['function', 'handler', 'minified', 'unminified', 'layers', 'layer packages', 'cold start requires'],
];
for (const { logicalId, resource, dir } of functions) {
  const bundle = join(dir, 'index.js');
  const layerIds = (resource.Properties?.Layers ?? []).map((layer) => (layer as { Ref?: string }).Ref ?? 'external');
  const layerDirs = layerIds.flatMap((id) => layers.get(id)?.dir ?? []);
  const coldStart = coldStartRequires(bundle, resource.Properties?.Environment?.Variables ?? {}, layerDirs);
  functionRows.push([
    logicalId,
    resource.Properties?.Handler ?? '',
    kib(statSync(bundle).size),
    kib(
      unminifiedBytes({
        entryPoints: [entryOf(dir)],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node22',
        external: externalsOf(bundle),
      }),
    ),
    layerIds.join(', ') || '-',
    layerPackagesOf(dir, layerDirs.flatMap(packagesOf), coldStart),
    coldStart.join(', '),
  ]);
}

const layerRows = [['layer', 'file', 'size', 'unminified']];
for (const { logicalId, dir } of layers.values()) {
  for (const file of filesOf(dir)) {
    const name = LAYER_PACKAGE.exec(relative(dir, file))?.[1];
    const version =
      name === undefined
        ? ''
        : (JSON.parse(readFileSync(join(file, '..', 'package.json'), 'utf8')) as { version: string }).version;
    layerRows.push([
      logicalId,
      name === undefined ? relative(dir, file) : `${relative(dir, file)} (${name} ${version})`,
      kib(statSync(file).size),
      name === undefined ? '-' : kib(unminifiedBytes(packageLayerBuild(name))),
    ]);
  }
  const total = filesOf(dir).reduce((sum, file) => sum + statSync(file).size, 0);
  layerRows.push([logicalId, '(unzipped total)', kib(total), '-']);
}

function print(rows: string[][]): void {
  for (const line of textTable(rows, 'all-left')) process.stdout.write(`${line}\n`);
}

print(functionRows);
process.stdout.write('\n');
print(layerRows);
