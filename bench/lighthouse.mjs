// Lighthouse 12.2.3 (its default mobile emulation and simulated throttling) in Debian's
// Chromium on the pages people open most: /signin, /logs and a call's page (as a
// customer), /support (as an agent). Prints each page's performance and accessibility
// scores against the targets (performance ≥ 95, accessibility 100).
//
// Usage: node bench/lighthouse.mjs <base URL of a server with the demo data>
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const base = process.argv[2];
if (!base) throw new Error("usage: node bench/lighthouse.mjs <base URL>");

/** The session cookie of a demo user, signed in through the form. */
async function signIn(email) {
  const response = await fetch(`${base}/signin`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password: "apilogs-demo" }),
    redirect: "manual",
  });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error(`${email} could not sign in: ${response.status}`);
  return cookie;
}

const customer = await signIn("alice@acme.example");
const agent = await signIn("sam@support.apilogs.example");
const logs = await (await fetch(`${base}/logs`, { headers: { cookie: customer } })).text();
const call = logs.match(/href="(\/logs\/\d+)"/)?.[1];
if (!call) throw new Error("no call is linked from /logs");

const pages = [
  ["/signin", null],
  ["/logs", customer],
  [call, customer],
  ["/support", agent],
];
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});
let missed = 0;
try {
  console.log("Lighthouse 12.2.3, mobile: performance (target ≥ 95), accessibility (target 100)");
  for (const [path, cookie] of pages) {
    const { lhr } = await lighthouse(`${base}${path}`, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility"],
      extraHeaders: cookie ? { cookie } : undefined,
    });
    const score = (name) => Math.round(lhr.categories[name].score * 100);
    const [performance, accessibility] = [score("performance"), score("accessibility")];
    const metric = (id) => lhr.audits[id].displayValue;
    const met = performance >= 95 && accessibility === 100;
    missed += met ? 0 : 1;
    console.log(
      `  ${path.padEnd(12)} performance ${String(performance).padStart(3)}  accessibility ` +
        `${String(accessibility).padStart(3)}  (FCP ${metric("first-contentful-paint")}, LCP ` +
        `${metric("largest-contentful-paint")}, TBT ${metric("total-blocking-time")}, CLS ` +
        `${metric("cumulative-layout-shift")})${met ? "" : "  below target"}`,
    );
    for (const audit of Object.values(lhr.audits)) {
      if (audit.score !== null && audit.score < 1 && lhr.categories.accessibility.auditRefs.some((r) => r.id === audit.id && r.weight > 0)) {
        console.log(`      accessibility: ${audit.id}: ${audit.title}`);
      }
    }
  }
} finally {
  await chrome.kill();
}
console.log(missed === 0 ? "  every page meets its targets" : `  ${missed} page(s) below target`);
