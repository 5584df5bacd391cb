import { expect, test } from "@playwright/test";
import { ALICE, BOB, SAM, signIn } from "./demo";

test("the demo customer signs in and lands on their API Logs", async ({ page }) => {
  await signIn(page, ALICE.email);
  await expect(page).toHaveURL(/\/logs$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API Logs");
  await expect(page.locator(".account-summary")).toContainText(ALICE.account);
  await expect(page.locator(".user-menu")).toContainText(ALICE.email);
});

test("a wrong password shows the message, and so does an unknown email", async ({ page }) => {
  await signIn(page, BOB.email, "not the password");
  await expect(page).toHaveURL(/\/signin\?error=invalid/);
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
  await expect(page.getByLabel("Email")).toHaveValue(BOB.email);

  await signIn(page, "nobody@acme.example", "not the password");
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
});

test("a visit to a protected page without a session goes to sign-in, then back", async ({ page }) => {
  await page.goto("/logs");
  await expect(page).toHaveURL(/\/signin\?notice=session&next=%2Flogs$/);
  await expect(page.getByText("Please sign in to continue.")).toBeVisible();
  await page.getByLabel("Email").fill(ALICE.email);
  await page.getByLabel("Password").fill("apilogs-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/logs$/);
});

test("following the API Logs link while signed out leads to sign-in", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Dark theme" })).toBeEnabled();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API Logs" }).click();
  await expect(page).toHaveURL(/\/signin\?notice=session&next=%2Flogs$/);
});

test("sign-out ends the session; the back button does not bring it back", async ({ page }) => {
  await signIn(page, ALICE.email);
  await expect(page.locator(".account-summary")).toContainText(ALICE.account);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin\?notice=signed-out$/);
  await expect(page.getByText("You have signed out.")).toBeVisible();

  await page.goBack();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.locator(".account-summary")).toHaveCount(0);
  const who = await page.request.post("/api/current_user");
  expect(await who.json()).toBeNull();
});

test("a support agent is refused the customer pages", async ({ page }) => {
  await signIn(page, SAM.email);
  const response = await page.goto("/logs");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "You do not have access to this page",
  );
});

test("a customer cannot reach another account by sending its id", async ({ page }) => {
  await signIn(page, ALICE.email);
  // The server takes the account from the session, never from the request.
  const response = await page.request.post("/api/logs/summary", {
    form: { account_id: "2", account: BOB.account },
  });
  expect(response.status()).toBe(200);
  const summary = await response.json();
  expect(summary.account_name).toBe(ALICE.account);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign-in and sign-out work as plain forms", async ({ page }) => {
    await signIn(page, ALICE.email);
    await expect(page).toHaveURL(/\/logs$/);
    await expect(page.locator(".account-summary")).toContainText(ALICE.account);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin\?notice=signed-out$/);
  });
});
