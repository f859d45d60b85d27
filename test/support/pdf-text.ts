/**
 * The text of a PDF, as unpdf (Mozilla's PDF.js) reads it, in a Node.js process of its
 * own: unpdf loads PDF.js as an ES module, which jest's CommonJS runtime cannot import.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const READ_TEXT = `
import { extractText } from 'unpdf';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { text } = await extractText(new Uint8Array(Buffer.concat(chunks)), { mergePages: true });
process.stdout.write(text);
`;

export function pdfText(pdf: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = spawn(process.execPath, ['--input-type=module', '--eval', READ_TEXT], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    reader.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    reader.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    reader.once('error', reject);
    reader.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`unpdf could not read the PDF (exit ${code}): ${Buffer.concat(err).toString('utf8')}`));
    });
    reader.stdin.end(Buffer.from(pdf));
  });
}
