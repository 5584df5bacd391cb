import { expect, test } from "@playwright/test";
import { BOB, hydrated, signIn } from "./demo";
import { addEndpoint, verified } from "./webhooks";

// Globex's webhook settings: nothing else sends Globex events while these run.
test.describe.configure({ mode: "serial" });

test("a customer adds an endpoint, sees its secret once, and a signed test event arrives", async ({ page }) => {
  await signIn(page, BOB.email);
  await page.getByRole("link", { name: "Webhooks" }).click();
  await expect(page).toHaveURL(/\/logs\/webhooks$/);
  await hydrated(page);
  const path = `/globex-${Date.now()}`;
  const secret = await addEndpoint(page, path);
  const endpoint = page.locator(".webhook-endpoint", { hasText: path });
  await expect(endpoint.locator(".webhook-state")).toHaveText("Active");

  await endpoint.getByRole("button", { name: "Send a test event" }).click();
  const delivered = page.locator(".webhook-deliveries tbody tr", { hasText: "webhook.test" });
  await expect(delivered).toContainText("Delivered", { timeout: 15_000 });
  await expect(delivered).toContainText("200");
  await expect(endpoint.locator(".webhook-secret")).toHaveCount(0);
  const events = verified(secret, path);
  expect(events.map((event) => event.payload.type)).toEqual(["webhook.test"]);
  expect(events[0].payload.data.account.name).toBe(BOB.account);

  // Reloaded, the secret is gone for good; a rotated one is shown once and signs what
  // comes next.
  await page.reload();
  await expect(page.locator(".webhook-secret")).toHaveCount(0);
  await hydrated(page);
  await endpoint.getByRole("button", { name: "Rotate the secret" }).click();
  const rotated = (await endpoint.locator(".webhook-secret code").textContent())!;
  expect(rotated).not.toBe(secret);
  await endpoint.getByRole("button", { name: "Send a test event" }).click();
  await expect(page.locator(".webhook-deliveries tbody tr", { hasText: "webhook.test" })).toHaveCount(2, {
    timeout: 15_000,
  });
  await expect.poll(() => verified(rotated, path, 1).length, { timeout: 10_000 }).toBe(1);
  expect(() => verified(secret, path)).toThrow(); // the old secret signs nothing new

  await endpoint.getByRole("button", { name: "Remove" }).click();
  await expect(endpoint).toHaveCount(0);
});

test("an endpoint URL that is not HTTPS is refused with a reason", async ({ page }) => {
  await signIn(page, BOB.email);
  await page.goto("/logs/webhooks");
  await hydrated(page);
  await page.getByLabel("Endpoint URL").fill("ftp://hooks.example.com/x");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByText("The URL must start with https://.")).toBeVisible();
  await expect(page.locator(".webhook-endpoint")).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the settings work as plain forms", async ({ page }) => {
    await signIn(page, BOB.email);
    await page.goto("/logs/webhooks");
    const path = `/globex-nojs-${Date.now()}`;
    const secret = await addEndpoint(page, path);
    await page.reload();
    await expect(page.locator(".webhook-secret")).toHaveCount(0);
    const endpoint = page.locator(".webhook-endpoint", { hasText: path });
    await endpoint.getByRole("button", { name: "Send a test event" }).click();
    await expect.poll(() => verified(secret, path).length, { timeout: 10_000 }).toBe(1);
    await endpoint.getByRole("button", { name: "Remove" }).click();
    await expect(page.locator(".webhook-endpoint", { hasText: path })).toHaveCount(0);
  });
});
