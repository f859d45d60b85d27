/**
 * Lambda code (functions/) may load only what package.json lists as a dependency: the
 * devDependencies (the DynamoDB Streams client of the local relay, emulators, test tools)
 * serve local runs and tests and must never reach a function bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PROJECT_ROOT = resolve(__dirname, '../..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Packages loaded at run time: type-only imports are erased by the bundler. */
function packagesLoadedBy(source: string): string[] {
  const specifiers = [...source.matchAll(/^import\s+(type\s+)?(?:[^;]*?\s+from\s+)?'([^']+)';/gms)]
    .filter((match) => match[1] === undefined)
    .map((match) => match[2] as string);
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

describe('Lambda sources', () => {
  it('load only runtime dependencies, never a package kept for local runs and tests', () => {
    // Prepare
    const { dependencies } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };

    // Act
    const loaded = new Set(
      sourcesUnder(join(PROJECT_ROOT, 'functions')).flatMap((file) => packagesLoadedBy(readFileSync(file, 'utf8'))),
    );

    // Assess
    expect(loaded.size).toBeGreaterThan(0);
    expect([...loaded].filter((name) => !(name in dependencies))).toEqual([]);
  });
});
