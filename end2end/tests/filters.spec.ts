import { expect, test } from "@playwright/test";
import { BOB, hydrated, signIn } from "./demo";

test("filtering to errors keeps the filter in the URL and across pages", async ({ page }) => {
  await signIn(page, BOB.email);
  await hydrated(page);
  await page.getByLabel("Status").selectOption("errors");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/logs\?status=errors/);
  await expect(page.locator(".logs-table .status-2xx")).toHaveCount(0);
  const statuses = page.locator(".logs-table tbody .status");
  await expect(statuses).toHaveCount(50);
  for (const status of await statuses.allTextContents()) {
    expect(Number(status)).toBeGreaterThanOrEqual(400);
  }
  const firstPage = await page.locator(".request-id").allTextContents();

  await page.getByRole("link", { name: "Older calls →" }).click();
  await expect(page).toHaveURL(/status=errors&before=/);
  await expect(page.locator(".request-id").first()).not.toHaveText(firstPage[0]);
  for (const status of await statuses.allTextContents()) {
    expect(Number(status)).toBeGreaterThanOrEqual(400);
  }
  await page.getByRole("link", { name: "← Newer calls" }).click();
  await expect(page.locator(".request-id").first()).toHaveText(firstPage[0]);
  await page.goBack();
  await expect(page).toHaveURL(/before=/);
  await expect(page.locator(".request-id").first()).not.toHaveText(firstPage[0]);
  await expect(page.getByLabel("Status")).toHaveValue("errors");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the filter form works as a plain GET form", async ({ page }) => {
    await signIn(page, BOB.email);
    await page.getByLabel("Method").selectOption("GET");
    await page.getByLabel("Endpoint").fill("/v1/pdf/info");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/method=GET&endpoint=%2Fv1%2Fpdf%2Finfo/);
    const endpoints = await page.locator(".logs-table tbody .endpoint").allTextContents();
    expect(endpoints.length).toBeGreaterThan(0);
    expect(new Set(endpoints)).toEqual(new Set(["/v1/pdf/info"]));
    await expect(page.getByLabel("Endpoint")).toHaveValue("/v1/pdf/info");
  });

  test("the 30-day usage chart is drawn on the server, with its totals", async ({ page }) => {
    await signIn(page, BOB.email);
    await expect(page.locator("figure.usage svg rect")).toHaveCount(30);
    const calls = Number((await page.locator(".usage-calls").textContent())!.split(" ")[0]);
    const credits = Number((await page.locator(".usage-credits").textContent())!.split(" ")[0]);
    expect(calls).toBeGreaterThan(1_000);
    expect(credits).toBeGreaterThan(calls);
    const titles = await page.locator("figure.usage rect title").allTextContents();
    const summed = titles.reduce((sum, t) => sum + Number(t.match(/(\d+) calls/)![1]), 0);
    expect(summed).toBe(calls);
  });
});
