// End-to-end test of `wash ui` in headless Chromium, driven by playwright-core. Started by
// tests/testsuite/ui.rs, which runs the lattice and `wash ui`, and answers the requests this script
// prints as `@@ <request>` lines (on stdout) with one line on stdin:
//   @@ inventory    -> `wash ctl get inventory -o json`
//   @@ links        -> `wash ctl get links -o json`
//   @@ nats-stop    -> kills the NATS server ("ok")
//   @@ nats-start   -> starts it again on the same port and store ("ok")
// Everything else goes to stderr. Exit code 0 means every step passed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import readline from "node:readline";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (tests/testsuite/ui.rs sets it)`);
  return value;
};
const url = env("WASH_UI_URL");
const actorPath = env("ACTOR_PATH");
const httpserverPar = env("HTTPSERVER_PAR");
const kvPar = env("KVNATS_PAR");
const httpPort = env("HTTP_PORT");
const badOciRef = env("BAD_OCI_REF");
const shots = env("SCREENSHOT_DIR");

// The whole run is bounded: a hang fails the test instead of stalling CI.
setTimeout(() => {
  console.error("dashboard.mjs: gave up after 300 s");
  process.exit(3);
}, 300_000).unref();

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function ask(request) {
  process.stdout.write(`@@ ${request}\n`);
  const { value, done } = await lines.next();
  if (done) throw new Error(`the test harness closed stdin while asked for \`${request}\``);
  return value;
}
const log = (...args) => console.error("[ui-e2e]", ...args);

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "wash-ui-chromium-")), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1440, height: 1000 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
  ],
});
const page = browser.pages()[0] ?? (await browser.newPage());
page.setDefaultTimeout(30_000);
page.on("pageerror", (err) => log("page error:", err.message));

async function shot(name) {
  await page.screenshot({ path: join(shots, name), fullPage: true });
  log("screenshot", name);
}

/** Submits a form and waits for its message to settle; returns {tone, text}. */
async function submit(formId) {
  await page.click(`#${formId} button[type=submit]`);
  return settled(`#${formId} .message`);
}
async function settled(selector) {
  await page.waitForFunction((sel) => {
    const m = document.querySelector(sel);
    return m && (m.classList.contains("ok") || m.classList.contains("error"));
  }, selector, { timeout: 45_000 });
  return page.$eval(selector, (m) => ({ tone: m.classList.contains("ok") ? "ok" : "error", text: m.textContent }));
}
async function expectOk(what, outcome) {
  assert.equal(outcome.tone, "ok", `${what}: ${outcome.text}`);
  log(what, "->", outcome.text);
}
const rows = (table) => page.locator(`#${table} tbody tr[data-${table === "links-table" ? "contract-id" : table === "actors-table" ? "actor-id" : table === "providers-table" ? "provider-id" : "host-id"}]`);
async function waitForCount(table, n) {
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n,
    [`#${table} tbody tr[data-${table === "links-table" ? "contract-id" : table === "actors-table" ? "actor-id" : table === "providers-table" ? "provider-id" : "host-id"}]`, n]);
}

async function main() {
  await page.goto(url);
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.waitForFunction(() => document.querySelector("#nats-status").textContent === "NATS connected");
  await waitForCount("hosts-table", 1);
  assert.equal(await page.textContent("#count-hosts"), "1");
  assert.equal(await page.textContent("#count-actors"), "0");
  await shot("01-empty-lattice.png");

  // A malformed reference and a well-formed one that no registry serves: both explained in the page.
  await page.fill("#start-actor-form [name=reference]", "not a reference");
  let outcome = await submit("start-actor-form");
  assert.equal(outcome.tone, "error");
  assert.match(outcome.text, /neither a file on this machine nor an OCI reference/);
  assert.equal(await page.getAttribute("#start-actor-form [name=reference]", "aria-invalid"), "true");
  await page.fill("#start-actor-form [name=reference]", badOciRef);
  outcome = await submit("start-actor-form");
  assert.equal(outcome.tone, "error", outcome.text);
  assert.ok(outcome.text.includes(badOciRef), outcome.text);
  assert.match(outcome.text, /failed to start|refused/);
  log("wrong OCI reference ->", outcome.text);
  await shot("02-wrong-oci-reference.png");

  // A file of the wrong kind chosen for upload is refused, saying what to choose.
  await page.setInputFiles("#start-actor-form input[type=file]", httpserverPar);
  outcome = await settled("#start-actor-form .message");
  assert.equal(outcome.tone, "error", outcome.text);
  assert.match(outcome.text, /is not a wasm module/);
  log("wrong upload ->", outcome.text);

  // kvcounter uploaded from the browser, the two providers started from paths on this machine;
  // each appears live.
  await page.setInputFiles("#start-actor-form input[type=file]", actorPath);
  await expectOk("upload actor", await settled("#start-actor-form .message"));
  const uploaded = await page.inputValue("#start-actor-form [name=reference]");
  assert.notEqual(uploaded, actorPath);
  assert.match(uploaded, /\/uploads\/[0-9a-f]{16}-[A-Za-z0-9_-]+\.wasm$/);
  await expectOk("start actor", await submit("start-actor-form"));
  await waitForCount("actors-table", 1);
  const actorId = await rows("actors-table").first().getAttribute("data-actor-id");
  assert.match(actorId, /^M[A-Z2-7]{55}$/);
  await page.waitForSelector(`#actors-table tr[data-actor-id="${actorId}"] .chip.cap`);
  for (const archive of [httpserverPar, kvPar]) {
    await page.fill("#start-provider-form [name=reference]", archive);
    await expectOk(`start provider ${archive}`, await submit("start-provider-form"));
  }
  await waitForCount("providers-table", 2);
  const providerId = async (contract) =>
    page.getAttribute(`#providers-table tr[data-contract-id="${contract}"]`, "data-provider-id");
  const httpId = await providerId("wasmcloud:httpserver");
  const kvId = await providerId("wasmcloud:keyvalue");

  // A bad link value is refused with the field marked; then both links go in and appear live.
  await page.selectOption("#link-actor", actorId);
  await page.selectOption("#link-provider", httpId);
  assert.equal(await page.inputValue("#link-contract"), "wasmcloud:httpserver");
  await page.fill("#put-link-form [name=values]", "PORT=eighty");
  outcome = await submit("put-link-form");
  assert.equal(outcome.tone, "error");
  assert.match(outcome.text, /PORT must be a port number from 1 to 65535, not `eighty`/);
  assert.equal(await page.getAttribute("#put-link-form [name=values]", "aria-invalid"), "true");
  log("bad link value ->", outcome.text);
  await shot("03-bad-link-value.png");
  await page.fill("#put-link-form [name=values]", `PORT=${httpPort}`);
  await expectOk("put httpserver link", await submit("put-link-form"));
  await page.selectOption("#link-provider", kvId);
  assert.equal(await page.inputValue("#link-contract"), "wasmcloud:keyvalue");
  await page.fill("#put-link-form [name=values]", "");
  await expectOk("put keyvalue link", await submit("put-link-form"));
  await waitForCount("links-table", 2);
  await page.waitForFunction(() => document.querySelectorAll("#graph g.edge").length === 2);
  assert.equal(await page.textContent("#count-links"), "2");

  // The counter counts over HTTP.
  const counts = [];
  const deadline = Date.now() + 20_000;
  while (counts.length < 3) {
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/`);
      assert.equal(response.status, 200);
      counts.push((await response.json()).counter);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`kvcounter does not answer on port ${httpPort}: ${err.message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  assert.deepEqual(counts, [1, 2, 3]);
  log("HTTP GET counts", counts);

  // Scale to two instances from the actor's row.
  const actorRow = `#actors-table tr[data-actor-id="${actorId}"]`;
  await page.fill(`${actorRow} input.scale-count`, "2");
  await page.click(`${actorRow} button.scale`);
  await expectOk("scale to 2", await settled("#actors-message"));
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "2", `${actorRow} td.instances`);
  await shot("04-overview-running.png");

  // Deleting the keyvalue link in the page is what `wash ctl get links` reports.
  await page.click(`#links-table tr[data-contract-id="wasmcloud:keyvalue"] button.delete`);
  await expectOk("delete keyvalue link", await settled("#links-message"));
  await waitForCount("links-table", 1);
  const links = JSON.parse(await ask("links")).links;
  assert.deepEqual(links.map((l) => l.contract_id), ["wasmcloud:httpserver"]);

  // NATS goes away: the page says so, refuses changes with a clear message, and recovers.
  assert.equal(await ask("nats-stop"), "ok");
  await page.waitForFunction(() => document.querySelector("#nats-status").textContent === "NATS connection lost", null, { timeout: 60_000 });
  const banner = await page.textContent("#banner");
  assert.match(banner, /lost the connection to NATS at nats:\/\/127\.0\.0\.1:\d+: reconnecting/);
  await page.fill("#start-actor-form [name=reference]", actorPath);
  outcome = await submit("start-actor-form");
  assert.equal(outcome.tone, "error");
  assert.match(outcome.text, /lost the connection to NATS/);
  log("while NATS is down ->", outcome.text);
  await shot("05-nats-lost.png");
  assert.equal(await ask("nats-start"), "ok");
  await page.waitForFunction(() => document.querySelector("#nats-status").textContent === "NATS connected", null, { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector("#banner").hidden, null, { timeout: 60_000 });
  await waitForCount("hosts-table", 1);
  await waitForCount("actors-table", 1);

  // Stopping the actor in the page is what `wash ctl get inventory` reports.
  await page.click(`${actorRow} button.stop`);
  await expectOk("stop actor", await settled("#actors-message"));
  await waitForCount("actors-table", 0);
  const inventory = JSON.parse(await ask("inventory")).inventory;
  assert.deepEqual(inventory.actors, []);
  assert.equal(inventory.providers.length, 2);
  await shot("06-after-stop.png");

  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page never reloaded");
}

try {
  await main();
  log("all steps passed");
} catch (err) {
  log("FAILED:", err.stack || err.message);
  await shot("failure.png").catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
process.exit(process.exitCode ?? 0);
