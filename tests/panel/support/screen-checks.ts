import type { Page } from 'playwright-core';

/** codes and English state words that must not reach a Chinese screen (ids such as smoke-a1 are fine) */
const RAW_IN_ZH =
  /(^|[^\w-])(smoke|water|leak|alarm|prealarm|active|acknowledged|normal|trouble|offline|telemetry|button)(?![\w-])/;
const CODE = /\b[a-z]+_[a-z_]+\b|\bv=/;

/** What the operator would see wrong on this page, as readable lines (empty when all is well). */
export async function problems(page: Page, lang: 'zh' | 'en'): Promise<string[]> {
  const found = await page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) out.push(`page is ${doc.scrollWidth} px wide`);
    for (const el of document.querySelectorAll<HTMLElement>('main, main *')) {
      if (el.closest('.scroll') && !el.classList.contains('scroll')) continue;
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
        out.push(`${el.tagName.toLowerCase()}.${el.className} cut: ${el.scrollWidth} > ${el.clientWidth}`);
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > window.innerWidth + 1) out.push(`${el.tagName.toLowerCase()} ends at ${r.right}`);
    }
    if (doc.dataset.untranslated) out.push(`untranslated: ${doc.dataset.untranslated}`);
    // biome-ignore lint/performance/useDomNodeTextContent: what is on screen, not text hidden by CSS
    return { out, text: document.body.innerText };
  });
  const code = CODE.exec(found.text);
  if (code) found.out.push(`raw code: ${code[0]}`);
  const raw = lang === 'zh' ? RAW_IN_ZH.exec(found.text) : null;
  if (raw) found.out.push(`English in Chinese: ${raw[2]}`);
  return found.out;
}
