/** The entry of `npx prepaid-billing` (bin/prepaid-billing.js): the command line on this process's terminal. */
import { runCommandLine } from './command-line';

runCommandLine(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
