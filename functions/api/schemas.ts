/**
 * The API's request and response schemas. The handler validates with them and the
 * OpenAPI document is generated from them, so the two cannot disagree.
 */
import * as z from 'zod';
import { AmountOutOfRangeError } from '../domain/errors';
import { ENTRY_KINDS } from '../domain/ledger';
import { CLOSURE_REFUND_REFERENCE } from '../domain/money-back/close-account';
import type { OperatorRefund, RefundPartState } from '../domain/money-back/money-back-ports';
import { CURRENCIES, MAX_CARD_CREDIT, MAX_CARD_TOTAL, formatAmount, isWholeCents } from '../domain/money';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE, type PartnerStatus } from '../domain/partner';
import type { AttemptState, InvoiceLine } from '../domain/recharge/charge-attempt';
import type { CardRole as DomainCardRole } from '../domain/recharge/payment-provider';
import { AmountSchema, TotalAmountSchema } from '../schemas/amount-schema';

/** Every value of a domain union, listed once here; the record makes the compiler name a value the domain adds. */
function valuesOf<T extends string>(values: Record<T, true>): [T, ...T[]] {
  return Object.keys(values) as [T, ...T[]];
}

const CARD_ROLES = valuesOf<DomainCardRole>({ primary: true, backup: true });
const PARTNER_STATUSES = valuesOf<PartnerStatus>({ active: true, overdue: true, blocked: true, closed: true });
const REFUND_STATES = valuesOf<OperatorRefund['state']>({ open: true, done: true });
const REFUND_PART_STATES = valuesOf<RefundPartState>({ open: true, refunded: true, refused: true });
const ATTEMPT_STATES = valuesOf<AttemptState>({
  pending: true,
  'action-required': true,
  succeeded: true,
  declined: true,
  failed: true,
  canceled: true,
});

const INVOICE_LINE_KINDS = valuesOf<InvoiceLine['kind']>({
  credit: true,
  'top-up': true,
  'card-fee': true,
  'license-fee': true,
});

const WholeCents = AmountSchema.refine(isWholeCents, 'cards are charged in whole cents: use at most 2 fraction digits');

export const PartnerId = z.string().regex(PARTNER_ID_PATTERN, PARTNER_ID_RULE);
export const PhoneNumber = z
  .string()
  .min(1)
  .max(32)
  .meta({ examples: ['+4915112345678'] });

/** The reference finance or an operator gives a payment or a refund: what makes a repeat of the request one. */
const Reference = z.string().min(1).max(128);

export const PartnerPath = z.object({ partnerId: PartnerId });
export const ChannelPath = z.object({ partnerId: PartnerId, phoneNumber: PhoneNumber });
export const PhonePath = z.object({ phoneNumber: PhoneNumber });
export const RefundPath = z.object({ partnerId: PartnerId, reference: Reference });

/** What one card charge can credit: beyond it, an amount is out of range (docs/contract.md §2). */
const CARD_CREDIT_RULE = {
  message: `must be at most ${formatAmount(MAX_CARD_CREDIT)}: one card charge carries at most that credit (with the 4% fee, ${formatAmount(MAX_CARD_TOTAL)}, the largest charge the card processor takes)`,
  params: { code: AmountOutOfRangeError.code },
};

export const RechargeSettingsBody = z.strictObject({
  threshold: WholeCents.refine((amount) => amount >= 0, 'must be 0.00 or more'),
  autoRenewAmount: WholeCents.refine((amount) => amount > 0, 'must be more than 0.00').refine(
    (amount) => amount <= MAX_CARD_CREDIT,
    CARD_CREDIT_RULE,
  ),
  autoRecharge: z.boolean(),
  monthlyLimit: WholeCents.refine((amount) => amount > 0, 'must be more than 0.00')
    .optional()
    .meta({
      description:
        'At most this much is credited by automatic recharges in a UTC month; a recharge that would pass it is not made (`RechargeLimitReached`, once that month). Top-ups, the opening charge and payments are not capped. Left out: no cap',
    }),
});

const PaymentMethodReference = z
  .string()
  .min(1)
  .max(255)
  .meta({ description: 'A reference to a card held by the payment provider (Stripe: `pm_…`), never card data' });
const CustomerReference = z
  .string()
  .min(1)
  .max(255)
  .meta({ description: "The payment provider's customer the cards are saved to (Stripe: `cus_…`)" });
const CardRole = z
  .enum(CARD_ROLES)
  .meta({ description: '`backup`: tried for the same charge when the primary card declines' });

export const CreatePartnerBody = z.strictObject({
  partnerId: PartnerId,
  currency: z.enum(CURRENCIES),
  paymentMethod: PaymentMethodReference,
  paymentCustomerId: CustomerReference.meta({ description: 'Required when the provider is Stripe' }).optional(),
  backupPaymentMethod: PaymentMethodReference.optional(),
  previousInvoiceRemainder: AmountSchema.optional(),
  rechargeSettings: RechargeSettingsBody.partial().optional(),
});

export const PaymentMethodBody = z.strictObject({
  paymentMethod: PaymentMethodReference,
  paymentCustomerId: CustomerReference.optional(),
  role: CardRole.default('primary'),
});

export const SetupSessionBody = z.strictObject({ role: CardRole.default('primary') });

export const PaymentBody = z.strictObject({
  amount: AmountSchema.refine((amount) => amount > 0, 'must be more than 0.00').refine(
    isWholeCents,
    'a payment is whole cents: use at most 2 fraction digits',
  ),
  reference: Reference,
});

export const RefundBody = z.strictObject({
  amount: AmountSchema.refine((amount) => amount > 0, 'must be more than 0.00').refine(
    isWholeCents,
    'a refund is paid back to cards in whole cents: use at most 2 fraction digits',
  ),
  reference: Reference.refine(
    (reference) => reference !== CLOSURE_REFUND_REFERENCE,
    `"${CLOSURE_REFUND_REFERENCE}" names the refund of an account's closure (POST /partners/{partnerId}/closure): choose another reference`,
  ),
});

export const TopUpBody = z.strictObject({
  amount: WholeCents.refine((amount) => amount > 0, 'must be more than 0.00')
    .refine((amount) => amount <= MAX_CARD_CREDIT, CARD_CREDIT_RULE)
    .meta({
      description:
        "Credited to the balance; the card is charged this plus the 4% card fee. Between the deployment's `topUpMinimum` and `topUpMaximum` (10.00 to 100000.00 by default)",
    }),
  reference: Reference.meta({ description: 'Names the top-up: one charge per reference, whatever the retries' }),
  checkout: z.boolean().default(false).meta({
    description:
      '`true`: answer a hosted payment page (Stripe Checkout) where the partner pays on-session, the card saved to its customer for later charges, instead of charging the saved card now',
  }),
});

export const ReconciliationBody = z.strictObject({
  period: z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM'),
  actualAmount: TotalAmountSchema.refine((amount) => amount >= 0, 'must be 0.00 or more'),
});

export const ChannelBody = z.strictObject({ phoneNumber: PhoneNumber });

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).optional(),
});

export const WireAmount = z.string().meta({ examples: ['500.00'] });
export const Timestamp = z.iso.datetime();

const RechargeSettingsView = z.object({
  threshold: WireAmount,
  autoRenewAmount: WireAmount,
  autoRecharge: z.boolean(),
  monthlyLimit: WireAmount.optional(),
});

/** The month's automatic recharges against the monthly cap (docs/contract.md §14). */
const AutomaticRechargesView = z.object({
  month: z.string().meta({ description: 'The current UTC month, YYYY-MM' }),
  total: WireAmount.meta({ description: 'Credited by automatic recharges this month' }),
  limit: WireAmount.optional().meta({ description: '`rechargeSettings.monthlyLimit`, when set' }),
  limitReached: z.boolean().meta({ description: 'A recharge was not made this month because of the limit' }),
});

const CardView = z.object({
  paymentMethod: z.string(),
  softDeclines: z.number().int().meta({ description: 'Soft declines since the card took its role' }),
  hardDecline: z
    .string()
    .optional()
    .meta({ description: 'The decline code of a hard decline: the card is never charged again' }),
  retriesLeft: z.number().int().meta({ description: 'Soft declines the card may still have (8 per card)' }),
  chargeable: z.boolean(),
});

/** A charge attempt as the API shows it; `actionUrl` while the bank waits for the partner to authenticate. */
const AttemptView = z.object({
  attemptId: z.string(),
  state: z.enum(ATTEMPT_STATES),
  actionUrl: z.url().optional().meta({ description: 'Where the partner authenticates the charge' }),
});

export const PartnerView = z.object({
  partnerId: PartnerId,
  currency: z.enum(CURRENCIES),
  paymentMethod: z.string(),
  paymentCustomerId: z.string().optional(),
  backupPaymentMethod: z.string().optional(),
  cards: z.object({ primary: CardView, backup: CardView.optional() }),
  chargeInFlight: AttemptView.optional().meta({
    description: "The charge attempt holding the partner's single in-flight slot",
  }),
  rechargeSettings: RechargeSettingsView,
  automaticRecharges: AutomaticRechargesView,
  status: z.enum(PARTNER_STATUSES).meta({ description: '`closed` is final: the account is never charged again' }),
  createdAt: Timestamp,
  closedAt: Timestamp.optional(),
  refundInFlight: Reference.optional().meta({
    description:
      'The reference of the refund being paid back to the cards (`GET /partners/{partnerId}/refunds/{reference}`); one at a time',
  }),
});

export const BalanceView = z.object({
  partnerId: PartnerId,
  currency: z.enum(CURRENCIES),
  balance: WireAmount.nullable().meta({ description: 'As of the last daily cut-off; null before the first' }),
  balanceAsOf: Timestamp.nullable(),
  liveBalance: WireAmount,
  amountDue: WireAmount.meta({ description: 'What brings the live balance back to 0.00' }),
  status: z.enum(PARTNER_STATUSES),
  overdueSince: Timestamp.nullable(),
  blockedAt: Timestamp.nullable(),
});

/**
 * What a charge made by a request came to. `unknown`: the provider gave no clear answer
 * within the API's time budget; the recharge function finishes the attempt (`state`
 * `pending`), and the response is a 202.
 */
export const ChargeView = z.object({
  outcome: z.string(),
  attemptId: z.string().optional(),
  state: z.enum(ATTEMPT_STATES).optional(),
  declineCode: z.string().optional(),
  actionUrl: z.url().optional().meta({ description: 'Where the partner authenticates the charge' }),
});

export const CreatedPartnerView = PartnerView.extend({
  liveBalance: WireAmount,
  openingCharge: ChargeView.extend({ credit: WireAmount, fee: WireAmount, total: WireAmount }).optional(),
});

export const PartnerChargeView = PartnerView.extend({ charge: ChargeView });

export const SetupSessionView = z.object({
  sessionId: z.string(),
  url: z.url().meta({ description: "The provider's page where the partner saves a card" }),
  expiresAt: Timestamp,
  role: CardRole,
});

export const LedgerPageView = z.object({
  items: z.array(
    z.object({
      entryId: z.string(),
      kind: z.enum(ENTRY_KINDS),
      amount: WireAmount,
      currency: z.enum(CURRENCIES),
      postedAt: Timestamp,
      eventCount: z.number().int(),
      memo: z.string().optional(),
    }),
  ),
  nextCursor: z.string().optional(),
});

export const InvoicePageView = z.object({
  items: z.array(
    z.object({
      invoiceId: z.string(),
      issuedAt: Timestamp,
      currency: z.enum(CURRENCIES),
      lines: z.array(z.object({ kind: z.enum(INVOICE_LINE_KINDS), description: z.string(), amount: WireAmount })),
      total: WireAmount,
    }),
  ),
  nextCursor: z.string().optional(),
});

export const HistoryPageView = z.object({
  items: z.array(z.object({ day: z.iso.date(), balance: WireAmount, asOf: Timestamp })),
  nextCursor: z.string().optional(),
});

export const PaymentView = z.object({
  outcome: z.enum(['recorded', 'duplicate']),
  entryId: z.string(),
  amount: WireAmount,
  reference: z.string(),
  liveBalance: WireAmount,
  status: z.enum(PARTNER_STATUSES),
  unblocked: z.boolean(),
});

export const ReconciliationView = z.object({
  outcome: z.enum(['reconciled', 'already-reconciled']),
  period: z.string(),
  estimated: WireAmount.meta({ description: "The month's usage as debited from the balance" }),
  actual: WireAmount.meta({ description: 'The upstream invoice amount' }),
  adjustment: WireAmount.meta({
    description: 'Booked to the balance: estimated - actual (a debit when upstream billed more)',
  }),
});

export const TopUpView = z.object({
  partnerId: PartnerId,
  reference: Reference,
  currency: z.enum(CURRENCIES),
  amount: WireAmount.meta({ description: 'Credited to the balance once the charge succeeds' }),
  fee: WireAmount.meta({ description: 'The 4% card fee' }),
  total: WireAmount.meta({ description: 'What the card is charged' }),
  checkout: z.boolean(),
  attemptId: z.string(),
  state: z.enum(ATTEMPT_STATES).meta({
    description:
      '`succeeded`: credited; `action-required`: waits for the partner at `actionUrl`; `pending`: being finished by the recharge function; `canceled`: the page expired or the charge was given up, nothing charged',
  }),
  actionUrl: z.url().optional().meta({
    description: 'Where the partner authenticates the charge, or pays it on the payment page (`checkout`)',
  }),
  invoiceId: z.string().optional().meta({ description: 'The invoice of a succeeded top-up' }),
  liveBalance: WireAmount,
  requestedAt: Timestamp,
});

export const RefundView = z.object({
  partnerId: PartnerId,
  reference: Reference,
  currency: z.enum(CURRENCIES),
  amount: WireAmount.meta({ description: 'Debited from the balance when the refund was asked for' }),
  state: z.enum(REFUND_STATES).meta({
    description: '`open` while a part has no answer from the card provider yet; `done` once every part has one',
  }),
  refunded: WireAmount.meta({ description: 'Paid back to the cards' }),
  released: WireAmount.meta({ description: 'Refused by the card provider and credited back to the balance' }),
  requestedAt: Timestamp,
  finishedAt: Timestamp.optional(),
  parts: z
    .array(
      z.object({
        attemptId: z.string().meta({ description: 'The card charge this part is paid back to' }),
        providerChargeId: z.string(),
        amount: WireAmount,
        state: z.enum(REFUND_PART_STATES),
        refundId: z.string().optional().meta({ description: "The card provider's refund" }),
        reason: z.string().optional().meta({ description: 'Why the card provider refused the part' }),
      }),
    )
    .meta({ description: 'One per card charge, the most recent charges first; credit only, never the card fee' }),
});

const ClosureFields = {
  partnerId: PartnerId,
  closedAt: Timestamp,
  liveBalance: WireAmount.meta({
    description: 'After the refund; usage still arriving after the closure is debited and shows as amount due',
  }),
  refund: RefundView.optional().meta({ description: 'The refund of the positive balance (reference `closure`)' }),
};

export const ClosedView = z.object({
  ...ClosureFields,
  status: z.literal('closed'),
  channelsCancelled: z.number().int().meta({ description: "The partner's numbers, all cancelled" }),
});

export const ClosingView = z.object({
  ...ClosureFields,
  status: z.literal('closing'),
  waitingFor: z.enum(['charge', 'refund']).meta({
    description:
      'What has no answer from the card provider yet: the charge in flight (settled before anything is refunded) or a part of the refund',
  }),
});

export const ChannelView = z.object({
  phoneNumber: z.string(),
  partnerId: PartnerId,
  status: z.enum(['active', 'blocked', 'cancelled']),
  registeredAt: Timestamp,
  cancelledAt: Timestamp.optional(),
});

export const SendPermissionView = z.object({ allowed: z.literal(true) });

export const ProblemView = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  declineCode: z.string().optional().meta({ description: 'Why the card was not charged (`card-declined`)' }),
});
