// Headless Chromium for the dashboard tests: Debian's chromium (scripts/deps.sh test), driven by
// playwright-core (no browser download of its own). CHROMIUM overrides the executable.
import { chromium } from 'playwright-core';

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // (root in CI: no sandbox; muted clips may play without a gesture)
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
}
