import { expect, test } from "@playwright/test";
import { BOB, GRANT_LINK, GRANTED, hydrated, SAM, signIn } from "./demo";

// Runs last and alone (its own project): it moves the server's clock two weeks on,
// through the test-only control the test server is started with.
test("a grant that reaches its expiry ends the agent's access and flips the customer's page", async ({
  page,
  browser,
}) => {
  await signIn(page, BOB.email);
  await hydrated(page);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("link", { name: GRANT_LINK }).click();
  await expect(page.locator(".granted-until")).toContainText(GRANTED);

  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await signIn(agent, SAM.email);
  await agent.getByRole("link", { name: BOB.account }).click();
  await expect(agent.locator(".logs-table tbody tr")).toHaveCount(50);

  const moved = await page.request.post("/test/clock", { form: { advance_seconds: "1209600" } });
  expect(moved.ok()).toBeTruthy();

  // The agent's next action is refused...
  await agent.getByRole("link", { name: "Older calls →" }).click();
  await expect(agent.getByRole("heading", { name: "No access to this account's API Logs" })).toBeVisible();
  // ...and the customer's open page shows the link again, without a reload.
  await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible({ timeout: 20_000 });
  await expect(page.locator(".granted-until")).toHaveCount(0);
  await agentContext.close();
});
