import { defineConfig, devices } from "@playwright/test";

// The server is started by `cargo xtask test` (a fresh database on a free port) and
// named by APILOGS_BASE_URL; by hand, run `make run` first.
const baseURL = process.env.APILOGS_BASE_URL ?? "http://127.0.0.1:3000";

// Debian's Chromium: Playwright cannot download its own browser here.
const chromium = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  },
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The JSON report (to PLAYWRIGHT_JSON_OUTPUT_FILE) gives `make test` its totals.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_FILE ? [["list"], ["json"]] : [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    { name: "chromium", use: chromium, testIgnore: /clock\.spec\.ts/ },
    // Moves the server's clock forward two weeks: runs alone, after everything else.
    { name: "clock", use: chromium, testMatch: /clock\.spec\.ts/, dependencies: ["chromium"] },
  ],
});
