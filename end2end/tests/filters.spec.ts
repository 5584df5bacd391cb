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

  test("the 30-day usage chart is drawn on the server, by outcome, each day leading to its calls", async ({ page }) => {
    await signIn(page, BOB.email);
    const days = page.locator("figure.usage svg a");
    await expect(days).toHaveCount(30);
    const number = async (selector: string) => Number((await page.locator(selector).textContent())!.split(" ")[0]);
    const calls = await number(".usage-calls");
    const errors = await number(".usage-errors");
    const credits = await number(".usage-credits");
    expect(calls).toBeGreaterThan(1_000);
    expect(credits).toBeGreaterThan(calls);
    const titles = await page.locator("figure.usage a title").allTextContents();
    const sum = (pattern: RegExp) => titles.reduce((total, t) => total + Number(t.match(pattern)![1]), 0);
    expect(sum(/(\d+) calls/)).toBe(calls);
    expect(sum(/(\d+) 4xx/) + sum(/(\d+) 5xx/)).toBe(errors);
    expect(errors).toBeGreaterThan(0);
    // The same days as a table, for screen readers and the curious.
    await expect(page.locator(".usage-table tbody tr")).toHaveCount(30);

    // Yesterday's bar leads to yesterday's calls (UTC).
    const yesterday = days.nth(28);
    const title = (await yesterday.locator("title").textContent())!;
    const [day, dayCalls] = [title.slice(0, 10), Number(title.match(/(\d+) calls/)![1])];
    await yesterday.click();
    await expect(page).toHaveURL(new RegExp(`from=${day}&to=${day}&tz=%2B00(:|%3A)00`));
    const times = await page.locator(".logs-table tbody time").evaluateAll((all) => all.map((t) => t.getAttribute("datetime")));
    expect(times.length).toBe(Math.min(dayCalls, 50));
    for (const time of times) expect(time!.slice(0, 10)).toBe(day);
  });
});
