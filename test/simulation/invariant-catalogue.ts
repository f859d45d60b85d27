/** The invariants the simulator checks, by number, and how a broken one is reported. */
export const INVARIANTS = {
  1: 'balance equals the ledger',
  2: 'each accepted event debited exactly once, each rejected one dead-lettered',
  3: 'card charges match credited recharges and fees',
  4: 'blocked iff below 0 for 7 days at the last daily run',
  5: 'one invoice per successful charge, none per failed one',
  6: 'published daily balances equal the ledger at each cut-off',
  7: 'every committed event reaches the bus, and only those',
  8: 'no card is charged after a hard decline on it',
  9: 'no card is sent more than 8 soft-declined charges in a row',
  10: 'every completed authentication is credited exactly once',
  11: 'a waiting charge that was canceled is never completed afterwards',
  12: 'every dispute and refund made at the provider is booked once',
  13: 'no charge gives back more than it took',
  14: 'every operator refund is paid back or released, part by part',
  15: 'a closed account is never charged, blocked or opened again',
  16: 'automatic credits in any month stay within the monthly limit in force',
  17: 'every top-up reference is charged once and credited its amount',
  18: "every statement closes at its published balance at the cut-off and opens at the previous one's closing",
} as const;
export type InvariantNumber = keyof typeof INVARIANTS;

/** Reports a broken invariant; never returns. */
export type Fail = (invariant: InvariantNumber, detail: string) => never;

export class InvariantBroken extends Error {
  constructor(
    readonly invariant: InvariantNumber,
    readonly seed: number,
    readonly step: number,
    readonly detail: string,
    steps: number,
  ) {
    super(
      `invariant ${invariant} (${INVARIANTS[invariant]}) broken at seed ${seed} step ${step}: ${detail}. Replay: npm run simulate -- --seed ${seed} --steps ${steps}`,
    );
  }
}

/** Pending charges are allowed while the run goes on, not at the end. */
export type Strictness = 'running' | 'settled';
