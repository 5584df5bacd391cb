import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { ALICE, BOB, GRANT_LINK, GRANTED, hydrated, KIM, localText, SAM, signIn, TWO_WEEKS_MS } from "./demo";
import { settled, since, utcText } from "./mail";
import { addEndpoint, verified } from "./webhooks";

// The customer's grant, then the agent's reads, then the revoke: one story, in order,
// on Acme's account. The browser is in New York, so local time is not UTC.
test.describe.configure({ mode: "serial" });
test.use({ timezoneId: "America/New_York" });

test("the link text is exact, and Cancel sends no request", async ({ page }) => {
  await signIn(page, ALICE.email);
  await hydrated(page);
  const link = page.getByRole("link", { name: GRANT_LINK });
  await expect(link).toHaveText(GRANT_LINK);

  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  let question = "";
  page.once("dialog", async (dialog) => {
    expect(dialog.type()).toBe("confirm");
    question = dialog.message();
    await dialog.dismiss();
  });
  await link.click();
  await page.waitForTimeout(1_000);
  expect(question).toContain("for 2 weeks");
  expect(question).toMatch(/until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC-05:00/);
  expect(requests).toEqual([]);
  await expect(link).toBeVisible();
  await expect(page).toHaveURL(/\/logs$/);
});

test("OK grants for exactly 14 days, shown in the viewer's zone with a ticking countdown; the agent reads; revoke ends it", async ({
  page,
  browser,
}) => {
  await signIn(page, ALICE.email);
  await hydrated(page);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("link", { name: GRANT_LINK }).click();

  const banner = page.locator(".granted-until");
  await expect(banner).toContainText(GRANTED);
  await expect(page.getByRole("link", { name: GRANT_LINK })).toHaveCount(0);

  // Exactly 1,209,600 s after the grant, by the server's clock.
  const status = await (await page.request.post("/api/support_access/status")).json();
  const granted = Date.parse(status.grant.granted_at);
  const expires = Date.parse(status.grant.expires_at);
  expect(expires - granted).toBe(TWO_WEEKS_MS);
  const shown = await banner.locator("time").getAttribute("datetime");
  expect(Date.parse(shown!)).toBe(Math.floor(expires / 1000) * 1000);
  const local = await localText(page, status.grant.expires_at);
  expect(local).toContain("UTC-05:00");
  const text = (await banner.textContent()) ?? "";
  expect(text.startsWith(`${GRANTED}${local} `)).toBeTruthy();
  expect(text.slice(GRANTED.length + local.length)).toMatch(/^ 13d 23h 59m \d\ds left$/);

  const countdown = page.locator(".countdown");
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first!, { timeout: 3_000 });

  // The agent, in a browser of their own, sees the grant and reads the logs.
  const agentContext = await browser.newContext({ timezoneId: "Europe/Berlin" });
  const agent = await agentContext.newPage();
  await signIn(agent, SAM.email);
  await expect(agent).toHaveURL(/\/support$/);
  const row = agent.getByRole("row", { name: new RegExp(ALICE.account) });
  await expect(row).toContainText("Granted until");
  await expect(agent.getByRole("row", { name: new RegExp(BOB.account) })).toContainText("No access");
  await row.getByRole("link", { name: ALICE.account }).click();
  await expect(agent.getByRole("heading", { level: 1 })).toHaveText(`API Logs of ${ALICE.account}`);
  await expect(agent.locator(".logs-table tbody tr")).toHaveCount(50);
  // The agent exports the account's calls: every one of them, streamed.
  const [file] = await Promise.all([
    agent.waitForEvent("download"),
    agent.getByRole("link", { name: "CSV", exact: true }).click(),
  ]);
  const csv = await readFile(await file.path(), "utf8");
  expect(csv.startsWith("id,time,method,endpoint,")).toBe(true);
  expect(csv.trimEnd().split("\r\n")).toHaveLength(5_001);
  await agent.locator(".logs-table tbody tr .endpoint a").first().click();
  await expect(agent.getByRole("heading", { name: "Response body" })).toBeVisible();
  await expect(agent.locator("pre.body.json").last()).toContainText('"status"');

  // The customer revokes; the agent's very next action is refused.
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("link", { name: "Revoke Customer Support's access now" }).click();
  await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible();
  await agent.getByRole("link", { name: "← All calls" }).click();
  await expect(agent.getByRole("heading", { name: "No access to this account's API Logs" })).toBeVisible();
  await expect(agent.locator(".logs-table")).toHaveCount(0);
  await agentContext.close();
});

// The story as the customer and the agent live it, each in their own browser and time
// zone: a request declined, a second one granted, what the agent did under the grant,
// and the customer's history of it.
test("the agent asks; the customer declines, then grants the next request; the history shows exactly what the agent did, and the revoke", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000); // a long story, and the emails it sends
  // The customer's systems listen for webhooks.
  await signIn(page, ALICE.email);
  await page.goto("/logs/webhooks");
  await hydrated(page);
  const hooks = `/acme-${Date.now()}`;
  const hookSecret = await addEndpoint(page, hooks);

  // The agent, in Berlin, asks for access to Acme's logs.
  const inbox = await settled();
  const agentContext = await browser.newContext({ timezoneId: "Europe/Berlin" });
  const agent = await agentContext.newPage();
  await signIn(agent, SAM.email);
  await agent.getByRole("link", { name: ALICE.account }).click();
  await hydrated(agent);
  const account = agent.url();
  const ask = async (ticket: string, reason: string) => {
    await agent.getByLabel("Ticket").fill(ticket);
    await agent.getByLabel("Why you need access").fill(reason);
    await agent.getByRole("button", { name: "Request access" }).click();
    await expect(agent.locator(".account-access")).toContainText(`by ${SAM.email} for ticket ${ticket}`);
  };
  await ask("T-1234", "The customer reports wrong totals on invoices");
  await expect(agent.locator(".account-access")).toContainText("UTC+01:00");

  // The customer, in New York, sees who asks, for which ticket and why, right above the
  // table, with the grant link as ever; Cancel on Decline sends nothing.
  await page.goto("/logs");
  await hydrated(page);
  const request = page.locator(".access-request");
  await expect(request).toContainText(`${SAM.email} from Customer Support asks for access to your API Logs for ticket T-1234`);
  await expect(request.locator(".reason")).toHaveText("The customer reports wrong totals on invoices");
  await expect(page.getByRole("link", { name: GRANT_LINK })).toHaveText(GRANT_LINK);
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.getByRole("link", { name: "Decline", exact: true }).click();
  await page.waitForTimeout(500);
  expect(requests).toEqual([]);
  let question = "";
  page.once("dialog", async (dialog) => {
    question = dialog.message();
    await dialog.accept();
  });
  await page.getByRole("link", { name: "Decline", exact: true }).click();
  await expect(request).toHaveCount(0);
  expect(question).toContain("ticket T-1234");
  await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible();

  // The agent's open page learns of it without a reload, and the console says so too.
  await expect(agent.locator(".account-access")).toContainText("Declined", { timeout: 15_000 });
  await agent.goto("/support");
  await expect(agent.getByRole("row", { name: new RegExp(ALICE.account) })).toContainText("Declined");
  await agent.goto(account);
  await hydrated(agent);
  await ask("T-1235", "A second look, please");

  // The customer grants through the seed's link; the pop-up and the banner name the ticket.
  await page.reload();
  await expect(request).toContainText("T-1235");
  page.once("dialog", async (dialog) => {
    question = dialog.message();
    await dialog.accept();
  });
  await page.getByRole("link", { name: GRANT_LINK }).click();
  await expect(page.locator(".granted-until")).toContainText(GRANTED);
  expect(question).toContain("for 2 weeks");
  expect(question).toContain("ticket T-1235");
  await expect(page.locator(".grant-ticket")).toHaveText("For ticket T-1235");
  await expect(agent.locator(".account-access")).toContainText("Granted until", { timeout: 15_000 });
  await expect(agent.locator(".account-access")).toContainText("for ticket T-1235");
  const { grant } = await (await page.request.post("/api/support_access/status")).json();
  const until = utcText(grant.expires_at);

  // Answering the agent's request, the grant is for that agent alone (the box that
  // widens it to all of Support was left unticked): the pop-up and the banner say so,
  // and another agent gets the same refusal as without a grant.
  expect(question).toContain(`Only ${SAM.email} will have access.`);
  await expect(page.locator(".grant-grantee")).toHaveText(`Only ${SAM.email}, who asked, can read them.`);
  await expect(agent.locator(".account-access")).toContainText(`to ${SAM.email} alone`);
  const other = await (await browser.newContext()).newPage();
  await signIn(other, KIM.email);
  await other.goto(account);
  await expect(other.getByRole("heading", { name: "No access to this account's API Logs" })).toBeVisible();
  await other.context().close();

  // The agent opens two calls and exports the account's calls as CSV.
  const opened: string[] = [];
  for (const n of [0, 1]) {
    await agent.goto(account);
    const link = agent.locator(".logs-table tbody tr .endpoint a").nth(n);
    opened.push((await link.getAttribute("href"))!.split("/").pop()!);
    await link.click();
    await expect(agent.getByRole("heading", { name: "Response body" })).toBeVisible();
  }
  await agent.goto(account);
  const [file] = await Promise.all([
    agent.waitForEvent("download"),
    agent.getByRole("link", { name: "CSV", exact: true }).click(),
  ]);
  const exported = (await readFile(await file.path(), "utf8")).trimEnd().split("\r\n").length - 1;
  await agentContext.close();

  // The customer's history lists exactly that, by the agent, in the customer's zone; the
  // calls link to the customer's own views of them.
  await page.getByRole("link", { name: "What Customer Support has seen" }).click();
  const latest = page.locator(".access-grant").first();
  await expect(latest.locator("h2")).toContainText(`by ${ALICE.email}`);
  await expect(latest).toContainText("In force");
  await expect(latest).toContainText("UTC-05:00");
  const rows = latest.locator(".access-activity tbody tr");
  await expect(rows.first()).toContainText(`Exported ${exported} calls as CSV (all calls)`);
  await expect(rows.filter({ hasText: "Started a CSV export of the calls (all calls)" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "Exported " })).toHaveCount(1);
  const calls = rows.filter({ hasText: "Opened the call " });
  await expect(calls).toHaveCount(2);
  const linked = await calls.getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  expect(linked.sort()).toEqual(opened.map((id) => `/logs/${id}`).sort());
  // Nothing else but the lists and the usage chart the agent's pages showed, all Sam's.
  const what = await rows.locator("td:nth-child(3)").allTextContents();
  const others = what.filter((text) => !/^(Opened the call |Started a CSV export|Exported )/.test(text));
  expect(others.length).toBeGreaterThan(0);
  for (const text of others) expect(text).toMatch(/^(Opened the list of calls \(all calls\)|Viewed the usage chart)$/);
  const viewed = what.length;
  const agents = await rows.locator("td:nth-child(2)").allTextContents();
  expect(new Set(agents)).toEqual(new Set([SAM.email]));
  await calls.first().getByRole("link").click();
  await expect(page).toHaveURL(/\/logs\/\d+$/);
  await expect(page.getByRole("heading", { name: "Response body" })).toBeVisible();

  // The customer revokes; the history says who and when.
  await page.goto("/logs");
  await hydrated(page);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("link", { name: "Revoke Customer Support's access now" }).click();
  await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible();
  await page.getByRole("link", { name: "What Customer Support has seen" }).click();
  await expect(page.locator(".access-grant").first()).toContainText(
    new RegExp(`Revoked by ${ALICE.email} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC-05:00`),
  );
  const answered = page.locator(".access-requests tbody tr");
  await expect(answered.filter({ hasText: "T-1235" })).toContainText("Granted ");
  await expect(answered.filter({ hasText: "T-1234" })).toContainText("Declined ");

  // Each change reached the people it concerns by email, once: the customer heard of
  // both requests, the grant (until when) and the revoke; the agent of each answer.
  const expected = [
    [ALICE.email, "Customer Support asks for access to your API Logs (ticket T-1234)"],
    [ALICE.email, "Customer Support asks for access to your API Logs (ticket T-1235)"],
    [ALICE.email, `Customer Support can read your API Logs until ${until}`],
    [ALICE.email, "Customer Support's access to your API Logs was revoked"],
    [SAM.email, `${ALICE.account} declined your request for ticket T-1234`],
    [SAM.email, `${ALICE.account} granted your request for ticket T-1235`],
  ]
    .map(([to, subject]) => `${to} | ${subject}`)
    .sort();
  const sent = () => since(inbox).map((email) => `${email.to} | ${email.subject}`).sort();
  await expect.poll(sent, { timeout: 15_000 }).toEqual(expected);
  const granted = since(inbox).find((email) => email.subject.startsWith("Customer Support can read"))!;
  expect(granted.body).toContain(`for 2 weeks: until ${until}`);
  expect(granted.body).toContain("It answers Customer Support's request for ticket T-1235.");
  await page.waitForTimeout(2_000);
  expect(sent()).toEqual(expected);

  // The customer's systems heard of each, once, signed (the official Standard Webhooks
  // library checks): the requests and their answers, every view, the revoke.
  const changes = [
    "support_access.requested",
    "support_access.declined",
    "support_access.requested",
    "support_access.granted",
    "support_access.revoked",
  ];
  const events = () => verified(hookSecret, hooks).sort((a, b) => a.payload.data.event_id - b.payload.data.event_id);
  await expect.poll(() => events().length, { timeout: 15_000 }).toBe(changes.length + viewed);
  const received = events();
  expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
  const types = received.map((event) => event.payload.type);
  expect(types.filter((type) => type !== "support_access.viewed")).toEqual(changes);
  const tickets = received
    .filter((event) => event.payload.type === "support_access.requested")
    .map((event) => event.payload.data.request.ticket);
  expect(tickets).toEqual(["T-1234", "T-1235"]);
  const grantEvent = received.find((event) => event.payload.type === "support_access.granted")!;
  expect(grantEvent.payload.data.grant.ticket).toBe("T-1235");
  const views = received.filter((event) => event.payload.type === "support_access.viewed");
  expect(new Set(views.map((event) => event.payload.data.actor))).toEqual(new Set([SAM.email]));

  await page.goto("/logs/webhooks");
  await hydrated(page);
  await page.locator(".webhook-endpoint", { hasText: hooks }).getByRole("button", { name: "Remove" }).click();
  await expect(page.locator(".webhook-endpoint", { hasText: hooks })).toHaveCount(0);
});

test("the customer ticks three calls and shares them with Support: the agent reads those three alone", async ({
  page,
  browser,
}) => {
  await signIn(page, ALICE.email);
  const rows = page.locator(".logs-table tbody tr");
  const chosen: string[] = [];
  for (const i of [0, 2, 5]) {
    chosen.push((await rows.nth(i).locator(".request-id").textContent())!.trim());
    await rows.nth(i).getByRole("checkbox").check();
  }
  const fourth = (await rows.nth(1).locator(".endpoint a").getAttribute("href"))!.split("/").pop();
  await page.getByRole("button", { name: "Share these calls with Customer Support" }).click();
  await expect(page).toHaveURL(/\/logs\/grant\/limited\?call=\d+&call=\d+&call=\d+$/);
  await expect(page.locator(".chosen-calls")).toContainText("these 3 calls and no other");
  await page.getByRole("button", { name: "Grant access" }).click();
  await expect(page.getByText("Customer Support reads only 3 chosen calls until")).toBeVisible();
  await page.getByRole("link", { name: "Back to your API Logs" }).click();
  await expect(page.locator(".grant-scope")).toHaveText("Customer Support reads only 3 chosen calls.");
  await expect(page.locator(".granted-until")).toContainText(GRANTED);

  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await signIn(agent, SAM.email);
  const row = agent.getByRole("row", { name: new RegExp(ALICE.account) });
  await expect(row).toContainText(": only 3 chosen calls");
  await row.getByRole("link", { name: ALICE.account }).click();
  await expect(agent.locator(".logs-table tbody tr")).toHaveCount(3);
  const seen = await agent.locator(".logs-table tbody tr .request-id").allTextContents();
  expect(seen.map((id) => id.trim()).sort()).toEqual([...chosen].sort());
  // A fourth call, asked for by its address, is refused.
  const account = /\/support\/accounts\/(\d+)\/logs/.exec(agent.url())![1];
  const refused = await agent.goto(`/support/accounts/${account}/logs/${fourth}`);
  expect(refused!.status()).toBe(403);
  await expect(agent.getByText("The customer has not shared this call with Customer Support.")).toBeVisible();
  await expect(agent.getByRole("heading", { name: "Response body" })).toHaveCount(0);
  await agentContext.close();

  await hydrated(page);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("link", { name: "Revoke Customer Support's access now" }).click();
  await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible();
});

test("an agent without a grant sees a clear page, not the logs", async ({ page }) => {
  await signIn(page, SAM.email);
  await page.goto("/support?q=globex");
  await page.getByRole("link", { name: BOB.account }).click();
  await expect(page.getByRole("heading", { name: "No access to this account's API Logs" })).toBeVisible();
  await expect(page.getByText("The customer can grant it from their API Logs page.")).toBeVisible();
});

test("an agent's open account page follows its access without reading the logs again", async ({ page }) => {
  await signIn(page, SAM.email);
  await page.goto("/support?q=globex");
  const asked: string[] = [];
  page.on("request", (request) => asked.push(new URL(request.url()).pathname));
  await page.getByRole("link", { name: BOB.account }).click();
  await hydrated(page);
  // Every ten seconds the access is asked again, from a page that shows it alone: the
  // logs page itself would count (and be reported to the customer) as another read.
  await page.waitForRequest(/\/support\/accounts\/\d+\/status$/, { timeout: 15_000 });
  await expect(page.locator(".account-access")).toContainText("No access");
  expect(asked.filter((path) => /\/support\/accounts\/\d+\/logs$/.test(path))).toHaveLength(1);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the links lead to confirmation pages that grant and revoke", async ({ page }) => {
    await signIn(page, ALICE.email);
    await page.getByRole("link", { name: GRANT_LINK }).click();
    await expect(page).toHaveURL(/\/logs\/grant$/);
    await expect(page.getByText(/for 2 weeks: until/)).toBeVisible();
    await page.getByRole("button", { name: "OK" }).click();
    await expect(page).toHaveURL(/\/logs$/);
    await expect(page.locator(".granted-until")).toContainText(GRANTED);

    await page.getByRole("link", { name: "Revoke Customer Support's access now" }).click();
    await expect(page).toHaveURL(/\/logs\/revoke$/);
    await page.getByRole("button", { name: "OK" }).click();
    await expect(page).toHaveURL(/\/logs$/);
    await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible();
  });

  test("the agent's request form and the customer's decline page work too", async ({ page, browser }) => {
    const agentContext = await browser.newContext({ javaScriptEnabled: false });
    const agent = await agentContext.newPage();
    await signIn(agent, SAM.email);
    await agent.getByRole("link", { name: ALICE.account }).click();
    await agent.getByLabel("Ticket").fill("T-NOJS");
    await agent.getByLabel("Why you need access").fill("Without scripts");
    await agent.getByRole("button", { name: "Request access" }).click();
    await expect(agent.locator(".account-access")).toContainText("for ticket T-NOJS");
    await agentContext.close();

    await signIn(page, ALICE.email);
    await expect(page.locator(".access-request")).toContainText("T-NOJS");
    await page.getByRole("link", { name: "Decline", exact: true }).click();
    await expect(page).toHaveURL(/\/logs\/decline$/);
    await expect(page.getByText("(ticket T-NOJS)")).toBeVisible();
    await page.getByRole("button", { name: "OK" }).click();
    await expect(page).toHaveURL(/\/logs$/);
    await expect(page.locator(".access-request")).toHaveCount(0);
    await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible();
    await page.getByRole("link", { name: "What Customer Support has seen" }).click();
    await expect(page.locator(".access-requests tbody tr", { hasText: "T-NOJS" })).toContainText("Declined ");
  });
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

  test("the seed story by tapping: grant, the banner and its countdown, revoke", async ({ page }) => {
    await signIn(page, ALICE.email);
    await hydrated(page);
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("link", { name: GRANT_LINK }).tap();
    const banner = page.locator(".granted-until");
    await expect(banner).toContainText(GRANTED);
    await expect(page.locator(".countdown")).toContainText(/13d 23h 59m \d\ds left/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("link", { name: "Revoke Customer Support's access now" }).tap();
    await expect(page.getByRole("link", { name: GRANT_LINK })).toBeVisible();
    await expect(banner).toHaveCount(0);
  });
});
