/**
 * Headless Chromium for tests that need a real browser (the desk's WebRTC
 * softphone): found on PATH (chromium, chromium-browser, google-chrome) or
 * through CHROMIUM_BIN, driven with playwright-core. Media comes from
 * Chromium's fake devices (a beeping microphone), and permission prompts are
 * answered yes.
 */
import { chromium, type Browser } from 'playwright-core';
import { findProgram } from './programs.js';

export function findBrowser(): { ok: true; path: string } | { ok: false; missing: string } {
  const found = findProgram('CHROMIUM_BIN', ['chromium', 'chromium-browser', 'google-chrome']);
  if (found) return { ok: true, path: found };
  const env = process.env.CHROMIUM_BIN;
  return { ok: false, missing: env ? `browser test skipped: CHROMIUM_BIN=${env} does not exist` : 'browser test skipped: Chromium not found (apt-get install chromium, or set CHROMIUM_BIN)' };
}

/** `fakeAudioFile`: a 16-bit PCM WAV the fake microphone plays (looped) instead of its beeps. */
export function launchBrowser(executablePath: string, opts: { fakeAudioFile?: string } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      ...(opts.fakeAudioFile ? [`--use-file-for-fake-audio-capture=${opts.fakeAudioFile}`] : []),
      '--autoplay-policy=no-user-gesture-required',
      // This machine's network is closed: without these, Chromium keeps trying to reach Google.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
