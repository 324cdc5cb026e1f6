import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** ../shared/tools/ofd-check beside the project (CI always has it). */
export const OFD_CHECK = path.resolve(__dirname, '../../../shared/tools/ofd-check');
export const hasOfdCheck = fs.existsSync(OFD_CHECK);

function tempFile(data: Buffer, suffix: string): string {
  const file = path.join(os.tmpdir(), `einv-${process.pid}-${Math.random().toString(36).slice(2)}${suffix}`);
  fs.writeFileSync(file, data);
  return file;
}

/** The text of a PDF, by poppler's pdftotext (an implementation independent of ours). */
export function pdfText(pdf: Buffer): string {
  const file = tempFile(pdf, '.pdf');
  try {
    return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** ofd-check on an OFD: its exit status, problems and (with --text) every TextCode. */
export function ofdCheck(ofd: Buffer): { status: number; output: string } {
  const file = tempFile(ofd, '.ofd');
  try {
    const result = spawnSync(OFD_CHECK, [file, '--text'], { encoding: 'utf8' });
    return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
