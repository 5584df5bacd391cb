import { expect, test } from "@playwright/test";
import { ALICE, BOB, GRANT_LINK, GRANTED, hydrated, SAM, signIn } from "./demo";

// Runs last and alone (its own project): it moves the server's clock two weeks on,
// through the test-only control the test server is started with. One test, so that
// nothing else runs while the clock jumps.
test("a grant that reaches its expiry ends the agent's access and flips the customer's page; an unanswered request lapses; a share link runs out", async ({
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
  // The agent also asks Acme for access; nobody answers.
  await agent.goto("/support");
  await agent.getByRole("link", { name: ALICE.account }).click();
  await hydrated(agent);
  await agent.getByLabel("Ticket").fill("T-7");
  await agent.getByLabel("Why you need access").fill("Nobody will answer this");
  await agent.getByRole("button", { name: "Request access" }).click();
  await expect(agent.locator(".account-access")).toContainText("for ticket T-7");
  await agent.goto(`/support?q=globex`);
  await agent.getByRole("link", { name: BOB.account }).click();
  await expect(agent.locator(".logs-table tbody tr")).toHaveCount(50);

  // Bob shares one call by a link (24 hours); a stranger opens it.
  const share = await (await browser.newContext()).newPage();
  await signIn(share, BOB.email);
  await share.locator(".logs-table tbody .endpoint a").first().click();
  await expect(share.getByRole("button", { name: "Create share link" })).toBeEnabled();
  await share.getByRole("button", { name: "Create share link" }).click();
  const shareUrl = await share.getByLabel("Share link").inputValue();
  const stranger = await (await browser.newContext()).newPage();
  expect((await stranger.goto(shareUrl))!.status()).toBe(200);

  const moved = await page.request.post("/test/clock", { form: { advance_seconds: "1209600" } });
  expect(moved.ok()).toBeTruthy();

  // The agent's next action is refused...
  await agent.getByRole("link", { name: "Older calls →" }).click();
  await expect(agent.getByRole("heading", { name: "No access to this account's API Logs" })).toBeVisible();
  // ...and the customer's open page shows the link again, without a reload.
  await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible({ timeout: 20_000 });
  await expect(page.locator(".granted-until")).toHaveCount(0);
  await agentContext.close();
  // The link ran out long ago.
  expect((await stranger.goto(shareUrl))!.status()).toBe(404);
  await expect(stranger.getByRole("heading", { name: "This link does not open" })).toBeVisible();
  await page.goto("/logs/access");
  await expect(page.locator(".access-grant").first()).toContainText("Expired at ");

  // Two weeks on, Acme's request has lapsed: gone from the customer's page, and in the
  // history as lapsed.
  const alice = await (await browser.newContext()).newPage();
  await signIn(alice, ALICE.email);
  await expect(alice.getByRole("link", { name: GRANT_LINK })).toBeVisible();
  await expect(alice.locator(".access-request")).toHaveCount(0);
  await alice.goto("/logs/access");
  const lapsed = alice.locator(".access-requests tbody tr", { hasText: "T-7" });
  await expect(lapsed).toContainText("Lapsed unanswered");
});
