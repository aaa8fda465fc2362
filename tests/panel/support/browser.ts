import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, headless, with nothing that reaches the internet; `extraArgs` e.g. a kiosk's autoplay policy. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      ...extraArgs,
    ],
  });
}
