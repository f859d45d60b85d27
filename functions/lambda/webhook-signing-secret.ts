/**
 * The webhook endpoint's signing secret, read from Secrets Manager once at cold start. A
 * secret that is not a Stripe signing secret (blank, the placeholder the stack creates,
 * an API key pasted by mistake) stops the function there: every delivery would otherwise
 * be checked against a secret Stripe never signs with, and refused one by one.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** Stripe's endpoint secrets start so; nothing else signs Stripe's deliveries. */
const SIGNING_SECRET_PREFIX = 'whsec_';

export type SecretLookup = (secretId: string) => Promise<unknown>;

const fromSecretsManager: SecretLookup = (secretId) => getSecret(secretId, { maxAge: 300 });

export async function webhookSigningSecret(
  secretId: string,
  lookup: SecretLookup = fromSecretsManager,
): Promise<string> {
  const secret = await lookup(secretId);
  if (typeof secret !== 'string' || !secret.startsWith(SIGNING_SECRET_PREFIX) || secret.trim() !== secret) {
    throw new Error(
      `secret ${secretId} must hold the Stripe webhook endpoint's signing secret (${SIGNING_SECRET_PREFIX}…) as a plain string: copy it from the endpoint in Stripe's dashboard`,
    );
  }
  if (secret.length === SIGNING_SECRET_PREFIX.length)
    throw new Error(`secret ${secretId} holds only the prefix ${SIGNING_SECRET_PREFIX} of a signing secret`);
  return secret;
}
