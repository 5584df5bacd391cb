import { expect, test } from "@playwright/test";
import { ALICE, BOB, GRANT_LINK, GRANTED, hydrated, SAM, signIn, TWO_WEEKS_MS } from "./demo";

// Runs last and alone (its own project): it moves the server's clock two weeks on,
// through the test-only control the test server is started with. One test, so that
// nothing else runs while the clock jumps.
test("a grant that reaches its expiry ends the agent's access and flips the customer's page; an unanswered request lapses; a share link runs out; near its end a grant is extended at the agent's request", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
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

  // Bob grants again. Eleven days on, three days before its end, the agent asks to
  // extend it; Bob confirms: a fresh two weeks, from then.
  await page.goto("/logs");
  await hydrated(page);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("link", { name: GRANT_LINK }).click();
  await expect(page.locator(".granted-until")).toContainText(GRANTED);
  const first = (await (await page.request.post("/api/support_access/status")).json()).grant;
  const eleven = await page.request.post("/test/clock", { form: { advance_seconds: String(11 * 86_400 + 60) } });
  expect(eleven.ok()).toBeTruthy();
  const asker = await (await browser.newContext()).newPage();
  await signIn(asker, SAM.email);
  await asker.goto("/support?q=globex");
  await asker.getByRole("link", { name: BOB.account }).click();
  await asker.getByLabel("Ticket").fill("T-8");
  await asker.getByLabel("Why you need two more weeks").fill("The fix ships next week");
  await asker.getByRole("button", { name: "Ask to extend access" }).click();
  await expect(asker.locator(".account-access")).toContainText("asked to extend it, for ticket T-8");

  await page.reload();
  await hydrated(page);
  const asked = page.locator(".extension-request");
  await expect(asked).toContainText(`${SAM.email} from Customer Support asks to extend their access for ticket T-8`);
  await expect(asked.locator(".reason")).toHaveText("The fix ships next week");
  page.once("dialog", (dialog) => {
    expect(dialog.message()).toContain("for 2 more weeks from now");
    dialog.accept();
  });
  await page.getByRole("link", { name: "Extend for 2 more weeks" }).click();
  await expect(page.locator(".extension-request")).toHaveCount(0);
  const extended = (await (await page.request.post("/api/support_access/status")).json()).grant;
  expect(extended.id).not.toBe(first.id);
  expect(extended.ticket).toBe("T-8");
  expect(Date.parse(extended.expires_at) - Date.parse(extended.granted_at)).toBe(TWO_WEEKS_MS);
  expect(Date.parse(extended.expires_at) - Date.parse(first.expires_at)).toBeGreaterThan(10 * 86_400_000);
  await asker.reload();
  await expect(asker.locator(".account-access")).toContainText("for ticket T-8");
  await expect(asker.locator(".logs-table tbody tr")).toHaveCount(50);
  await page.goto("/logs/access");
  await expect(page.locator(".access-grant").nth(1)).toContainText("Extended by ");
});
