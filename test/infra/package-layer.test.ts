/** The package layers are built for real here (esbuild, no Docker) and their packages loaded and used as Lambda would. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as PdfLib from 'pdf-lib';
import type Stripe from 'stripe';
import { PackageLayer } from '../../lib/functions/package-layer';
import { FakeStripeServer } from '../support/fake-stripe-server';

describe('Class: PackageLayer', () => {
  let outdir: string;
  let stripeDir: string;
  let pdfLibDir: string;
  let fake: FakeStripeServer;

  beforeAll(async () => {
    // Outside the project, so nothing can fall back on its node_modules.
    outdir = mkdtempSync(join(tmpdir(), 'package-layers-'));
    const app = new App({ outdir });
    withoutBundlingNotice(() => {
      const stack = new Stack(app, 'Layers');
      new PackageLayer(stack, 'StripeSdk', { packageName: 'stripe', title: 'Stripe SDK', purpose: 'for charges' });
      new PackageLayer(stack, 'PdfLib', { packageName: 'pdf-lib', title: 'PDF library', purpose: 'for statements' });
      app.synth();
    });
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(2);
    const packageDirOf = (name: string) => {
      const dirs = assets.map((asset) => join(outdir, asset, 'nodejs', 'node_modules', name)).filter(existsSync);
      expect(dirs).toHaveLength(1);
      return String(dirs[0]);
    };
    stripeDir = packageDirOf('stripe');
    pdfLibDir = packageDirOf('pdf-lib');
    fake = await FakeStripeServer.start();
  });

  afterAll(async () => {
    await fake.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('puts the Stripe SDK in one file, with a package.json and the license, where Node.js layers are looked up', () => {
    // Assess
    expect(readdirSync(stripeDir).sort()).toEqual(['LICENSE', 'index.js', 'package.json']);
    expect(packagesRequiredBy(join(stripeDir, 'index.js'))).toEqual([]);
  });

  it('holds a Stripe SDK of the tested version that charges through the Stripe API', async () => {
    // Prepare
    const LayerStripe = require(stripeDir) as typeof Stripe;
    const client = new LayerStripe('sk_test_fake', {
      host: '127.0.0.1',
      port: fake.port,
      protocol: 'http',
      telemetry: false,
    });

    // Act
    const intent = await client.paymentIntents.create(
      { amount: 52_000, currency: 'eur', payment_method: 'pm_card_visa', off_session: true, confirm: true },
      { idempotencyKey: 'att-layer-check' },
    );

    // Assess
    expect(LayerStripe.PACKAGE_VERSION).toBe(jest.requireActual<typeof Stripe>('stripe').PACKAGE_VERSION);
    expect(intent.status).toBe('succeeded');
    expect(fake.charges).toHaveLength(1);
  });

  it("bundles pdf-lib's dependencies into its one file, and ships their licenses beside the package's", () => {
    // Prepare
    const notices = readFileSync(join(pdfLibDir, 'THIRD_PARTY_LICENSES'), 'utf8');
    const manifest = JSON.parse(readFileSync(join(pdfLibDir, 'package.json'), 'utf8')) as Record<string, string>;

    // Assess
    expect(readdirSync(pdfLibDir).sort()).toEqual(['LICENSE', 'THIRD_PARTY_LICENSES', 'index.js', 'package.json']);
    expect(packagesRequiredBy(join(pdfLibDir, 'index.js'))).toEqual([]);
    for (const dependency of ['@pdf-lib/standard-fonts', '@pdf-lib/upng', 'pako', 'tslib']) {
      expect(notices).toMatch(new RegExp(`^${dependency} \\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    }
    expect(manifest).toMatchObject({
      name: 'pdf-lib',
      version: jest.requireActual<{ version: string }>('pdf-lib/package.json').version,
      main: 'index.js',
      license: 'MIT AND (MIT AND Zlib) AND 0BSD',
    });
  });

  it('holds a pdf-lib that writes a PDF in a standard font', async () => {
    // Prepare
    const { PDFDocument, StandardFonts } = require(pdfLibDir) as typeof PdfLib;
    const document = await PDFDocument.create();
    const font = await document.embedFont(StandardFonts.Helvetica);

    // Act
    document.addPage().drawText('Statement 2026-03', { x: 50, y: 700, size: 12, font });
    const bytes = await document.save();

    // Assess
    expect(Buffer.from(bytes).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(document.getPageCount()).toBe(1);
  });

  it('refuses a package the lock file does not pin', () => {
    // Act and assess
    expect(
      () => new PackageLayer(new Stack(), 'Missing', { packageName: 'not-a-dependency', title: 'x', purpose: 'y' }),
    ).toThrow('package-lock.json pins no not-a-dependency package');
  });
});

/** The packages (not Node.js built-ins) a bundle requires: none when everything it needs is in it. */
function packagesRequiredBy(bundle: string): string[] {
  const required = [...readFileSync(bundle, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((match) => String(match[1]));
  return [...new Set(required.filter((name) => !isBuiltin(name)))];
}

/**
 * CDK writes "Bundling asset <path>..." to stderr when it bundles an asset, which it does
 * as the construct is created: a passing run keeps it off the console, and passes on
 * anything else.
 */
function withoutBundlingNotice(build: () => void): void {
  const written: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    build();
  } finally {
    stderr.mockRestore();
  }
  for (const chunk of written) if (!chunk.startsWith('Bundling asset ')) process.stderr.write(chunk);
}
