// The demo data the server loads on a fresh database (server/src/demo.rs).
export const PASSWORD = "apilogs-demo";
export const ALICE = { email: "alice@acme.example", account: "Acme Documents" };
export const BOB = { email: "bob@globex.example", account: "Globex Legal" };
export const SAM = { email: "sam@support.apilogs.example" };

import type { Page } from "@playwright/test";

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
