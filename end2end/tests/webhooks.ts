// The webhook receiver the test run started: where it listens, and what it received,
// checked with the official Standard Webhooks library (webhook_receiver.py verify).
import { execFileSync } from "node:child_process";
import { expect, type Page } from "@playwright/test";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: \`make test\` starts the webhook receiver`);
  return value;
}

/** The receiver's URL for `path`. */
export function receiverUrl(path: string): string {
  return `${env("APILOGS_WEBHOOK_URL")}${path}`;
}

export type Verified = { id: string; path: string; payload: { type: string; data: Record<string, any> } };

/** The requests to `path` (from its `from`-th on), each verified with `secret`; throws
 * if any does not verify. */
export function verified(secret: string, path: string, from = 0): Verified[] {
  const output = execFileSync(env("APILOGS_PYTHON"), [
    env("APILOGS_WEBHOOK_RECEIVER"),
    "verify",
    secret,
    env("APILOGS_WEBHOOK_LOG"),
    path,
    String(from),
  ]);
  return JSON.parse(output.toString());
}

/** On the webhooks page, adds an endpoint at `path` on the receiver; its secret, shown once. */
export async function addEndpoint(page: Page, path: string): Promise<string> {
  await page.getByLabel("Endpoint URL").fill(receiverUrl(path));
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const endpoint = page.locator(".webhook-endpoint", { hasText: path });
  const secret = (await endpoint.locator(".webhook-secret code").textContent())!;
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
  return secret;
}
