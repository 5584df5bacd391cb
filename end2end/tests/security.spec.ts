import { expect, test, type Page } from "@playwright/test";
import { ALICE, hydrated, SAM, signIn } from "./demo";

/** Records every Content-Security-Policy violation, script error and uncaught exception. */
async function watchPolicy(page: Page): Promise<string[]> {
  const problems: string[] = [];
  await page.exposeFunction("reportViolation", (text: string) => problems.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { reportViolation: (text: string) => void }).reportViolation(
        `${event.violatedDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  page.on("console", (message) => {
    // Refusals the pages expect (a 403 without a grant, the 404 page) are not problems.
    const refused = message.text().startsWith("Failed to load resource");
    if (message.type() === "error" && !refused) problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

test("every page runs under its Content-Security-Policy with no violation", async ({ page }) => {
  const problems = await watchPolicy(page);
  for (const path of ["/", "/signin"]) {
    const response = await page.goto(path);
    expect(response?.headers()["content-security-policy"]).toContain("'nonce-");
    await hydrated(page);
  }
  await signIn(page, ALICE.email);
  await expect(page).toHaveURL(/\/logs$/);
  await hydrated(page);
  // Client-side navigation to a call, and a full load of it.
  await page.locator(".logs-table tbody a").first().click();
  await expect(page.getByRole("button", { name: "Copy as cURL" })).toBeEnabled();
  await page.reload();
  await hydrated(page);
  await page.goto("/logs/grant");
  await hydrated(page);
  await page.goto("/logs?status=errors");
  await hydrated(page);
  expect(problems).toEqual([]);
});

test("the support console runs under its policy too", async ({ page }) => {
  const problems = await watchPolicy(page);
  await signIn(page, SAM.email);
  await expect(page).toHaveURL(/\/support$/);
  await hydrated(page);
  await expect(page.getByRole("row", { name: new RegExp(ALICE.account) })).toBeVisible();
  await page.getByRole("link", { name: ALICE.account }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await page.goto("/no-such-page");
  await hydrated(page);
  expect(problems).toEqual([]);
});

test("no page can be framed", async ({ request }) => {
  for (const path of ["/", "/signin", "/logs/grant"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    const headers = response.headers();
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
  }
});
