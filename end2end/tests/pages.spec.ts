import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { ALICE, SAM, signIn } from "./demo";

// Every page, as the people who use it see it: accessible in both themes (axe-core:
// no serious or critical violation of WCAG 2.1 A/AA), and no wider than a phone.

/** The pages, by who opens them: `null` signs in as nobody. */
const PAGES: [string | null, string][] = [
  [null, "/"],
  [null, "/signin"],
  [ALICE.email, "/logs"],
  [ALICE.email, "/logs?status=errors"],
  [ALICE.email, "call"],
  [ALICE.email, "/logs/access"],
  [ALICE.email, "/logs/webhooks"],
  [ALICE.email, "/logs/shared"],
  [null, "shared"],
  [ALICE.email, "/logs/grant"],
  [ALICE.email, "/logs/grant/limited"],
  [SAM.email, "/support"],
  [SAM.email, "/support/accounts/1/logs"],
];

/** Opens `path` (`call`: the newest call's page; `shared`: a link Alice made to it,
 * signed out) as `who`. */
async function open(page: Page, who: string | null, path: string) {
  if (who) await signIn(page, who);
  if (path === "shared") {
    await open(page, ALICE.email, "call");
    await page.getByRole("button", { name: "Create share link" }).click();
    const url = await page.getByLabel("Share link").inputValue();
    await page.context().clearCookies({ name: "apilogs_session" });
    await page.goto(url);
    await expect(page.getByRole("heading", { name: "Response body" })).toBeVisible();
  } else if (path === "call") {
    await page.goto("/logs");
    await page.locator(".logs-table tbody tr .endpoint a").first().click();
    await expect(page.getByRole("heading", { name: "Response body" })).toBeVisible();
  } else {
    await page.goto(path);
  }
}

for (const theme of ["light", "dark"]) {
  test.describe(`the ${theme} theme`, () => {
    for (const [who, path] of PAGES) {
      test(`${path} has no serious accessibility problem`, async ({ page, context, baseURL }) => {
        await context.addCookies([{ name: "theme", value: theme, url: baseURL! }]);
        await open(page, who, path);
        await expect(page.locator("html")).toHaveAttribute("data-theme", theme);
        const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
        const serious = results.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        expect(serious).toEqual([]);
      });
    }
  });
}

test.describe("on a phone", () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

  for (const [who, path] of PAGES) {
    test(`${path} fits 360 px`, async ({ page }) => {
      await open(page, who, path);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(360);
      // Every control in the header can be reached.
      const signOut = page.getByRole("button", { name: "Sign out" });
      if (who) {
        const box = (await signOut.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(360);
      }
    });
  }

  test("the filter form folds away", async ({ page }) => {
    await open(page, ALICE.email, "/logs");
    const apply = page.getByRole("button", { name: "Apply" });
    await expect(apply).toBeVisible();
    await page.locator(".filter-panel summary").tap();
    await expect(apply).toBeHidden();
    await page.locator(".filter-panel summary").tap();
    await expect(apply).toBeVisible();
  });
});
