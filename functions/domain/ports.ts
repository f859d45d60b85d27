/** The ports the use cases depend on; adapters in functions/adapters implement them. */
import { LedgerPage, Posting, PostingResult } from './ledger';
import { Micros } from './money';
import { PartnerAccount } from './partner';

export interface Clock {
  now(): Date;
}

export interface NewPartner {
  readonly account: Omit<PartnerAccount, 'liveBalance' | 'status' | 'publishedBalance' | 'overdueSince' | 'blockedAt'>;
  /** The opening balance; posted as the account's first ledger entry. */
  readonly openingBalance: Micros;
}

export type CreatePartnerOutcome = 'created' | 'exists';

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

export interface LedgerRepository {
  createPartner(partner: NewPartner): Promise<{ outcome: CreatePartnerOutcome; account: PartnerAccount }>;
  getPartner(partnerId: string): Promise<PartnerAccount | undefined>;
  post(posting: Posting): Promise<PostingResult>;
  ledgerPage(partnerId: string, page: PageRequest): Promise<LedgerPage>;
}
