/** The commands of the operator command line, in the order the help lists them. */
import type { Command } from './command';
import { dlqList } from './commands/dlq-list';
import { dlqRedrive } from './commands/dlq-redrive';
import { eventsReplay } from './commands/events-replay';
import { partner } from './commands/partner';
import { runs } from './commands/runs';

export const COMMANDS: readonly Command[] = [dlqList, dlqRedrive, eventsReplay, partner, runs];
