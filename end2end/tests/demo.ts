// The demo data the server loads on a fresh database (server/src/demo.rs).
export const PASSWORD = "apilogs-demo";
export const ALICE = { email: "alice@acme.example", account: "Acme Documents" };
export const BOB = {
  email: "bob@globex.example",
  account: "Globex Legal",
  apiKey: "ak_live_demo_globex_2c8e4a6f0d9b1e37",
};
export const SAM = { email: "sam@support.apilogs.example" };
export const KIM = { email: "kim@support.apilogs.example" };

import type { Page } from "@playwright/test";

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export const GRANT_LINK =
  "Click here to grant access to your API Logs details (input and output params) to the Customer Support for 2 weeks";
export const GRANTED = "Access to your API Logs is granted to Customer Support until ";
export const TWO_WEEKS_MS = 1_209_600_000;

/** Waits until the WASM has hydrated the page (the theme toggle comes alive then). */
export async function hydrated(page: Page) {
  await page.getByRole("button", { name: "Dark theme" }).waitFor();
  await page.waitForFunction(() => {
    const toggle = document.querySelector(".theme-toggle") as HTMLButtonElement | null;
    return toggle !== null && !toggle.disabled;
  });
}

/** A time as the app shows it in the browser's zone: `2026-12-10 04:00:00 UTC-05:00`. */
export async function localText(page: Page, iso: string): Promise<string> {
  return page.evaluate((iso) => {
    const d = new Date(iso);
    const pad = (n: number) => String(n).padStart(2, "0");
    const offset = -d.getTimezoneOffset();
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    return (
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
      `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
    );
  }, iso);
}
