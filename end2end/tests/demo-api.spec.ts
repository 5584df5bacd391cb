import { expect, test, type Page } from "@playwright/test";
import { BOB, signIn } from "./demo";

/** Signs Bob in and opens the call with `requestId`, once the recorder, which stores in
 * the background, has stored it; returns its row. */
async function findRecordedCall(page: Page, requestId: string) {
  await signIn(page, BOB.email);
  const row = page.locator(".logs-table tbody tr");
  await expect(async () => {
    await page.goto(`/logs?request_id=${requestId}`);
    await expect(row).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 5_000 });
  return row;
}

test("a call to the demo API shows in the customer's API Logs, its key redacted", async ({
  page,
  request,
}) => {
  const response = await request.post("/v1/pdf/convert/to/text", {
    headers: { "x-api-key": BOB.apiKey },
    data: { url: "https://files.example.com/e2e/contract.pdf", pages: "1-3" },
  });
  expect(response.status()).toBe(200);
  expect((await response.json()).credits).toBe(3);
  const requestId = response.headers()["x-request-id"];
  expect(requestId).toMatch(/^req_/);

  const row = await findRecordedCall(page, requestId);
  await expect(row.locator(".endpoint")).toHaveText("/v1/pdf/convert/to/text");
  await expect(row.locator(".status")).toHaveText("200");

  await row.locator(".endpoint a").click();
  await expect(page.locator(".call-facts .request-id")).toHaveText(requestId);
  await expect(page.locator("table.headers tr", { hasText: "x-api-key" })).toContainText("[REDACTED]");
  await expect(page.locator("pre.body.json").first()).toContainText("contract.pdf");
  expect(await page.content()).not.toContain(BOB.apiKey);
});

test("a body over 64 KiB is stored cut, and its call's page says so", async ({ page, request }) => {
  const name = `${"long-name-".repeat(7_000)}.pdf`; // 70,004 bytes
  const response = await request.post("/v1/pdf/merge", {
    headers: { "x-api-key": BOB.apiKey },
    data: { url: "https://files.example.com/e2e/big.pdf", name },
  });
  expect(response.status()).toBe(200);
  const requestId = response.headers()["x-request-id"];

  const row = await findRecordedCall(page, requestId);
  await row.locator(".endpoint a").click();
  const notes = page.locator(".body-cut");
  await expect(notes).toHaveCount(2);
  await expect(notes.first()).toBeVisible(); // not hidden in the folded body
  await expect(notes.first()).toHaveText(/showing the first 65536 of \d{5,} bytes/);
});

test("a call's page shows its JSON as sent, its secret gone", async ({
  page,
  request,
}) => {
  const sent =
    '{"url":"https://files.example.com/e2e/n.pdf", "n":-1.5e3,"big":12345678901234567890123,' +
    '"e":"\\u00e9","password":"e2e-hunter2"}';
  const response = await request.post("/v1/pdf/merge", {
    headers: { "x-api-key": BOB.apiKey, "content-type": "application/json" },
    data: sent,
  });
  expect(response.status()).toBe(200);
  const stored = sent.replace("e2e-hunter2", "[REDACTED]");
  const row = await findRecordedCall(page, response.headers()["x-request-id"]);

  await row.locator(".endpoint a").click();
  const laidOut = page.locator("pre.body.json").first();
  for (const token of ['"n": -1.5e3', '"big": 12345678901234567890123', '"e": "\\u00e9"', '"password": "[REDACTED]"']) {
    await expect(laidOut).toContainText(token);
  }
  const asSent = page.locator("details.body-as-sent").first();
  await asSent.locator("summary").click();
  await expect(asSent.locator("pre")).toHaveText(stored);
  expect(await page.content()).not.toContain("e2e-hunter2");
});
