/** The Stripe layer is built for real here (esbuild, no Docker) and its SDK loaded and used as Lambda would. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type Stripe from 'stripe';
import { StripeSdkLayer } from '../../lib/functions/stripe-sdk-layer';
import { FakeStripeServer } from '../support/fake-stripe-server';

describe('Class: StripeSdkLayer', () => {
  let outdir: string;
  let packageDir: string;
  let fake: FakeStripeServer;

  beforeAll(async () => {
    // Outside the project, so nothing can fall back on its node_modules.
    outdir = mkdtempSync(join(tmpdir(), 'stripe-layer-'));
    const app = new App({ outdir });
    withoutBundlingNotice(() => {
      new StripeSdkLayer(new Stack(app, 'Layer'), 'StripeSdk');
      app.synth();
    });
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    packageDir = join(outdir, String(assets[0]), 'nodejs', 'node_modules', 'stripe');
    fake = await FakeStripeServer.start();
  });

  afterAll(async () => {
    await fake.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('puts the SDK in one file, with a package.json and the license, where Node.js layers are looked up', () => {
    // Assess
    expect(readdirSync(packageDir).sort()).toEqual(['LICENSE', 'index.js', 'package.json']);
  });

  it('holds a Stripe SDK of the tested version that charges through the Stripe API', async () => {
    // Prepare
    const LayerStripe = require(packageDir) as typeof Stripe;
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
});

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
