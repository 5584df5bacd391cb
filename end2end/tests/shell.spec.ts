import { expect, test, type ConsoleMessage, type Page } from "@playwright/test";
import { ALICE, signIn } from "./demo";

/** Collects console errors and warnings, and uncaught exceptions, from a page. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

/** The bundle's versioned name the page links, `apilogs.<16 hex digits>`. */
function bundleName(html: string): string {
  const name = html.match(/\/pkg\/(apilogs\.[0-9a-f]{16})\.js/)?.[1];
  expect(name, "the page links a bundle named after its content").toBeTruthy();
  return name!;
}

test("the server renders the app shell and links the bundle, named after its content", async ({
  request,
}) => {
  const response = await request.get("/");
  expect(response.status()).toBe(200);
  expect(response.headers()["cache-control"]).toBe("no-cache");
  const html = await response.text();
  expect(html).toContain("<title>Home · apilogs</title>");
  expect(html).toMatch(/<nav[^>]*>.*API Logs.*<\/nav>/s);
  expect(html).toContain("Every call to your API, in one place");
  expect(html).toContain('<footer class="app-footer">');
  const name = bundleName(html);
  expect(html).toContain(`/pkg/${name}.wasm`);
  expect(html).toContain(`/pkg/${name}.css`);

  const types = { js: "javascript", wasm: "application/wasm", css: "text/css" };
  for (const [extension, type] of Object.entries(types)) {
    const file = await request.get(`/pkg/${name}.${extension}`);
    expect(file.status()).toBe(200);
    expect(file.headers()["content-type"]).toContain(type);
    expect(file.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  }
  // No unversioned copy a browser could keep across deploys.
  expect((await request.get("/pkg/apilogs.wasm")).status()).toBe(404);
});

test("the bundle is sent compressed to browsers that accept it", async ({ request }) => {
  const name = bundleName(await (await request.get("/")).text());
  const wasm = await request.get(`/pkg/${name}.wasm`, {
    headers: { "accept-encoding": "br" },
  });
  expect(wasm.headers()["content-encoding"]).toBe("br");
});

test("the page hydrates: the theme toggle works, with a clean console", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/");
  const toggle = page.getByRole("button", { name: "Dark theme" });
  // Disabled in the server's HTML; the WASM enables it once hydrated.
  await expect(toggle).toBeEnabled();
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");

  // The choice survives a reload: the server renders it from the cookie.
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(toggle).toBeEnabled();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await toggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(problems).toEqual([]);
});

test("navigation to API Logs, and a 404 for unknown pages", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, ALICE.email);
  await expect(page).toHaveURL(/\/logs$/);
  await page.getByRole("link", { name: "apilogs" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "Every call to your API, in one place",
  );
  await expect(page.getByRole("button", { name: "Dark theme" })).toBeEnabled();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API Logs" }).click();
  await expect(page).toHaveURL(/\/logs$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API Logs");
  await expect(page).toHaveTitle("API Logs · apilogs");
  await expect(page.locator(".account-summary")).toContainText(ALICE.account);
  expect(problems).toEqual([]);

  const missing = await page.goto("/no-such-page");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the content is there and the toggle stays disabled", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "Every call to your API, in one place",
    );
    await expect(page.getByRole("button", { name: "Dark theme" })).toBeDisabled();
  });
});
