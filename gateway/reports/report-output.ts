import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';

/**
 * Writes a report as the file name asks: `.json` (the figures), `.html` (the printable page)
 * or `.pdf` (that page printed by the installed Chromium through playwright-core). Files are
 * 0600 (a report names enterprises and people); the caller decides what goes into them.
 */
export type ReportFormat = 'json' | 'html' | 'pdf';

export class ReportOutputError extends Error {
  readonly code = 'REPORT_OUTPUT';
}

export function formatOf(file: string): ReportFormat {
  const ext = extname(file).toLowerCase().slice(1);
  if (ext === 'json' || ext === 'html' || ext === 'pdf') return ext;
  throw new ReportOutputError(
    `输出文件须以 .html、.json 或 .pdf 结尾 / the output file must end in .html, .json or .pdf: ${file}`,
  );
}

/** Chromium for printing: PW_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.PW_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

export async function htmlToPdf(html: string): Promise<Buffer> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new ReportOutputError(
      `PDF 需要 playwright-core / a PDF needs the playwright-core package: ${(err as Error).message}`,
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }).catch((err: Error) => {
    throw new ReportOutputError(
      `无法启动 Chromium / cannot start Chromium at ${CHROMIUM} (set PW_CHROMIUM): ${err.message}`,
    );
  });
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
    });
  } finally {
    await browser.close();
  }
}

export async function writeReport(file: string, json: unknown, html: () => string): Promise<ReportFormat> {
  const format = formatOf(file);
  const bytes =
    format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : format === 'html' ? html() : await htmlToPdf(html());
  writeFileSync(file, bytes, { mode: 0o600 });
  return format;
}
