import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { BOB, hydrated, signIn } from "./demo";

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else {
      field += c;
    }
  }
  return rows;
}

async function download(page: Page, name: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name, exact: true }).click(),
  ]);
  return readFile(await file.path(), "utf8");
}

test("a call's detail shows its bodies, and copies as cURL without the key", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, BOB.email);
  await page.goto("/logs?status=5xx");
  await hydrated(page);
  const row = page.locator(".logs-table tbody tr").first();
  const requestId = (await row.locator(".request-id").textContent())!;
  await row.locator(".endpoint a").click();

  await expect(page.locator(".call-facts .request-id")).toHaveText(requestId);
  await expect(page.locator(".call-error")).toContainText("Internal error");
  await expect(page.getByRole("heading", { name: "Response body" })).toBeVisible();
  const response = page.locator("pre.body.json").last();
  await expect(response.locator(".json-key").first()).toHaveText('"error"');
  await expect(response.locator(".json-literal").first()).toHaveText("true");
  await expect(page.locator("table.headers")).toContainText("x-api-key");

  await page.getByRole("button", { name: "Copy as cURL" }).click();
  await expect(page.locator(".curl [role=status]")).toHaveText("Copied");
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  expect(curl).toMatch(/^curl -X POST 'http:\/\/[^']+\/v1\//);
  expect(curl).toContain("-H 'x-api-key: YOUR_API_KEY'");
  expect(curl).not.toContain("REDACTED");
  expect(curl).toContain("--data-raw '{\"url\":");
  await expect(page.locator(".curl-command")).toHaveText(curl);
});

test("an export holds the filtered view's calls, in the table's order", async ({ page }) => {
  await signIn(page, BOB.email);
  await page.goto("/logs?status=errors&method=POST");
  await hydrated(page);
  const shown = await page.locator(".logs-table tbody .request-id").allTextContents();
  expect(shown).toHaveLength(50);

  const csv = parseCsv(await download(page, "CSV"));
  const header = csv[0];
  const column = (name: string) => header.indexOf(name);
  const rows = csv.slice(1);
  expect(rows.length).toBeGreaterThan(50);
  expect(rows.slice(0, 50).map((r) => r[column("request_id")])).toEqual(shown);
  for (const row of rows) {
    expect(Number(row[column("status")])).toBeGreaterThanOrEqual(400);
    expect(row[column("method")]).toBe("POST");
    expect(JSON.parse(row[column("response_body")]).error).toBe(true);
  }

  const lines = (await download(page, "NDJSON")).trimEnd().split("\n");
  const calls = lines.map((line) => JSON.parse(line));
  expect(calls.map((c) => c.request_id)).toEqual(rows.map((r) => r[column("request_id")]));
});

test.describe("in New York", () => {
  test.use({ timezoneId: "America/New_York" });

  test("a time range is read in the viewer's zone and kept in the URL", async ({ page }) => {
    await signIn(page, BOB.email);
    await hydrated(page);
    await expect(page.locator(".zone-note")).toHaveText(/^Times in UTC-0[45]:00$/);
    // From the minute of the 50th newest call: at least a page of calls.
    const fiftieth = page.locator(".logs-table tbody time").nth(49);
    const iso = (await fiftieth.getAttribute("datetime"))!;
    const local = await page.evaluate((iso) => {
      const d = new Date(iso);
      const pad = (n: number) => String(n).padStart(2, "0");
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }, iso);
    await page.getByLabel("From", { exact: true }).fill(local);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(new RegExp(`from=${local.replace(":", "%3A")}.*&tz=-0[45]%3A00`));
    const times = page.locator(".logs-table tbody time");
    await expect(times).toHaveCount(50);
    const minute = new Date(iso).setUTCSeconds(0, 0);
    for (const at of await times.evaluateAll((els) => els.map((e) => e.getAttribute("datetime")))) {
      expect(Date.parse(at!)).toBeGreaterThanOrEqual(minute);
    }
    await expect(page.getByLabel("From", { exact: true })).toHaveValue(local);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the detail shows the cURL command and the range is in UTC", async ({ page }) => {
    await signIn(page, BOB.email);
    await expect(page.locator(".zone-note")).toHaveText("Times in UTC+00:00");
    await page.getByLabel("From", { exact: true }).fill("2020-01-01T00:00");
    await page.getByLabel("To", { exact: true }).fill("2020-01-31T23:59");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/from=2020-01-01T00%3A00&to=2020-01-31T23%3A59&tz=%2B00%3A00/);
    await expect(page.locator(".empty-state")).toHaveText("No calls match these filters.");

    await page.goto("/logs");
    await page.locator(".logs-table tbody .endpoint a").first().click();
    await expect(page.getByRole("button", { name: "Copy as cURL" })).toBeDisabled();
    await page.getByText("cURL command").click();
    await expect(page.locator(".curl-command")).toContainText("YOUR_API_KEY");
  });
});
