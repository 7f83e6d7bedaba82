// Screenshot of a kvcounter request's trace in Arize Phoenix's trace view, for the README
// (docs/trace.png). Started by tests/testsuite/traces.rs once Phoenix holds the traces: opens the
// default project's traces, opens the first trace rooted at an `HTTP request` span, checks the hops
// are listed, and writes the screenshot to $SCREENSHOT. Exit code 0 means it worked.
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (tests/testsuite/traces.rs sets it)`);
  return value;
};
const phoenix = env("PHOENIX_URL");
const screenshot = env("SCREENSHOT");

setTimeout(() => {
  console.error("phoenix-trace.mjs: gave up after 120 s");
  process.exit(3);
}, 120_000).unref();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.setDefaultTimeout(30_000);
  // The default project's id is the GraphQL id of Project 1.
  await page.goto(`${phoenix}/projects/UHJvamVjdDox/traces`, { waitUntil: "networkidle" });
  await page.getByText("HTTP request").first().click();
  // The trace tree lists each hop under the HTTP span.
  for (const hop of ["actor invocation", "actor call", "provider operation"]) {
    await page.getByText(hop, { exact: true }).first().waitFor();
  }
  // The selected HTTP span's attributes are shown once its details have loaded.
  await page.getByText("http.request.method").first().waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshot });
  console.error("phoenix-trace.mjs: wrote", screenshot);
} finally {
  await browser.close();
}
