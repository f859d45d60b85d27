/**
 * Prints the size of each Lambda bundle of the last synth (`npx cdk synth`, then
 * `npx tsx scripts/bundle-sizes.ts [cdk.out]`): one line per function with its handler,
 * asset folder and the size of index.js (and of its source map).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: { readonly Handler?: string };
  readonly Metadata?: Record<string, unknown>;
}

const outDir = process.argv[2] ?? join(__dirname, '..', 'cdk.out');
const templates = readdirSync(outDir).filter((name) => name.endsWith('.template.json'));
if (templates.length === 0) {
  process.stderr.write(`no template in ${outDir}: run npx cdk synth first\n`);
  process.exit(1);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const rows: string[][] = [['stack', 'function', 'handler', 'asset', 'index.js', 'index.js.map']];
for (const file of templates) {
  const template = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as { Resources?: Record<string, TemplateResource> };
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (resource.Type !== 'AWS::Lambda::Function' || typeof assetPath !== 'string') continue;
    const bundle = join(outDir, assetPath, 'index.js');
    const map = `${bundle}.map`;
    rows.push([
      file.replace('.template.json', ''),
      logicalId,
      resource.Properties?.Handler ?? '',
      assetPath,
      existsSync(bundle) ? kib(statSync(bundle).size) : 'missing',
      existsSync(map) ? kib(statSync(map).size) : '-',
    ]);
  }
}

const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()}\n`);
