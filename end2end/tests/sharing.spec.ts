import { expect, test } from "@playwright/test";
import { ALICE, signIn } from "./demo";

test("a customer shares one call: anyone holding the link sees it without signing in, until it is revoked", async ({
  page,
  browser,
}) => {
  await signIn(page, ALICE.email);
  const firstCall = page.locator(".logs-table tbody tr").first();
  const requestId = (await firstCall.locator(".request-id").textContent())!.trim();
  await firstCall.locator(".endpoint a").click();
  const create = page.getByRole("button", { name: "Create share link" });
  await expect(create).toBeEnabled();
  await expect(page.getByLabel("Link works for")).toHaveValue("24");
  await create.click();
  const url = await page.getByLabel("Share link").inputValue();
  expect(url).toMatch(/\/shared\/[0-9a-f]{64}$/);

  // A stranger: a fresh browser, never signed in.
  const stranger = await (await browser.newContext()).newPage();
  const opened = await stranger.goto(url);
  expect(opened!.status()).toBe(200);
  expect(opened!.headers()["referrer-policy"]).toBe("no-referrer");
  expect(opened!.headers()["x-robots-tag"]).toBe("noindex, nofollow");
  await expect(stranger.locator(".shared-note")).toContainText(`Shared by ${ALICE.account}`);
  await expect(stranger.locator(".call-facts .request-id")).toHaveText(requestId);
  await expect(stranger.getByRole("heading", { name: "Request body" })).toBeVisible();

  // The customer sees the opening, then revokes the link.
  await page.goto("/logs/shared");
  const link = page.locator(".share-links tbody tr", { hasText: requestId }).first();
  await expect(link).toContainText("1 time");
  await expect(link).toContainText("Works until");
  await link.locator("summary").click();
  await expect(link.locator(".openings li")).toHaveCount(1);
  await link.getByRole("button", { name: "Revoke" }).click();
  await expect(page.locator(".share-links tbody tr", { hasText: requestId }).first()).toContainText(
    "Revoked",
  );

  const refused = await stranger.goto(url);
  expect(refused!.status()).toBe(404);
  await expect(stranger.getByRole("heading", { name: "This link does not open" })).toBeVisible();
});
