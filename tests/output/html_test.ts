/** The HTML report, rendered for real in Debian's headless Chromium. */
import assert from "node:assert/strict";
import { scanCommand } from "../../src/cli/scan.ts";
import type { CheckInput } from "../../src/core/catalogue.ts";
import type { Scanner } from "../../src/core/scanner.ts";
import { esc } from "../../src/output/html.ts";
import { kernelParams } from "../../src/scanners/kernel_params.ts";
import { mountsScanner } from "../../src/scanners/mounts.ts";
import { chromium } from "../chromium.ts";
import { fixtureRoot, makeTree, repoPath } from "../helpers.ts";
import { needs } from "../host_caps.ts";

const SCREENSHOT_DIR = repoPath("dist/screenshots/");
const EVIL =
  `/tmp/<script>document.body.dataset.pwned="1"</script><img src=x onerror="document.body.dataset.pwned=2">`;

const checks: CheckInput[] = [{
  id: "html.hostile.name",
  scanner: "hostile",
  title: "Hostile file name",
  severity: "critical",
  category: "filesystem",
  rationale: "test",
  remediation: "Remove <b>it</b>",
  mitre: ["T1036"],
}];

const hostile: Scanner = {
  name: "hostile",
  summary: "hostile names",
  slow: false,
  enabledByDefault: () => true,
  checks,
  async *run(ctx) {
    ctx.warn("odd", EVIL);
    yield {
      check_id: "html.hostile.name",
      subject: EVIL,
      title: `Hostile ${EVIL}`,
      location: { path: EVIL },
      metadata: { path: EVIL, bad: "\u0000\u001b[31m\ud800" },
    };
  },
};

async function writeHtml(dir: string): Promise<string> {
  const path = `${dir}/report.html`;
  const r = await scanCommand(
    [
      "--root",
      fixtureRoot("basic"),
      "--hardening",
      "--enable",
      "kernel_params,mounts,hostile",
      "--format",
      "html",
      "--output",
      path,
    ],
    { scanners: [kernelParams, mountsScanner, hostile], stderr: () => {} },
  );
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return path;
}

Deno.test("esc neutralises markup, quotes and control characters", () => {
  assert.equal(esc(`<a href="x">'&`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
  assert.equal(esc("a\u0000b\u001b"), "a\\x00b\\x1b");
  assert.equal(esc("\ud800"), "\ufffd");
});

Deno.test("the HTML report is self-contained and escapes host-derived text", async () => {
  using t = makeTree({});
  const html = Deno.readTextFileSync(await writeHtml(t.path));
  assert.equal((html.match(/<script/g) ?? []).length, 1, "only our own script element");
  assert.ok(!html.includes("<img"), "no injected element");
  assert.ok(!/\b(src|href)=["']?https?:/i.test(html), "no external assets");
  assert.ok(html.includes("&lt;script&gt;document.body.dataset.pwned"));
  assert.match(html, /Content-Security-Policy/);
  assert.match(html, /<svg role="img" aria-label="Findings by severity"/);
  assert.match(html, /Remove &lt;b&gt;it&lt;\/b&gt;/, "remediation from the catalogue, escaped");
});

Deno.test(needs(["chromium"], {
  name: "Chromium renders the report with no console errors; filtering works; hostile text stays text",
  fn: async () => {
    using t = makeTree({});
    const path = await writeHtml(t.path);
    const all = await chromium(["--dump-dom", `file://${path}`]);
    assert.equal(all.code, 0, all.stderr.slice(-2000));
    assert.match(all.stdout, /data-ready="1"/);
    assert.ok(!all.stdout.includes("data-js-error"), "no script error");
    assert.ok(!all.stdout.includes("data-pwned"), "injected script never ran");
    const total = Number(all.stdout.match(/data-visible-rows="(\d+)"/)?.[1]);
    assert.ok(total > 2, `all rows visible: ${total}`);
    const consoleErrors = all.stderr.split("\n").filter((l) => /CONSOLE|Refused to|Uncaught/.test(l));
    assert.deepEqual(consoleErrors, [], "console is clean (CSP included)");

    const filtered = await chromium(["--dump-dom", `file://${path}#q=${encodeURIComponent("pwned")}`]);
    assert.match(filtered.stdout, /data-visible-rows="1"/, "the filter keeps only the hostile row");
    assert.match(filtered.stdout, /&lt;script&gt;document\.body\.dataset\.pwned/);

    Deno.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const shot = await chromium([
      `--screenshot=${SCREENSHOT_DIR}html-report.png`,
      "--window-size=1280,1600",
      `file://${path}`,
    ]);
    assert.equal(shot.code, 0);
    assert.ok(
      Deno.statSync(`${SCREENSHOT_DIR}html-report.png`).size > 10_000,
      "screenshot written for a person to look at",
    );
  },
}));

Deno.test("compliance summary and gaps appear in the page", async () => {
  using t = makeTree({});
  const r = await scanCommand(
    [
      "--root",
      fixtureRoot("basic"),
      "--hardening",
      "--enable",
      "kernel_params,mounts",
      "--compliance",
      "--compliance-gaps",
      "--format",
      "html",
      "--output",
      `${t.path}/r.html`,
    ],
    { scanners: [kernelParams, mountsScanner], stderr: () => {} },
  );
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const html = Deno.readTextFileSync(`${t.path}/r.html`);
  assert.match(html, /<section id="compliance">/);
  assert.match(html, /<table id="gaps">/);
  assert.match(html, /PCI DSS 4\.0/);
});

Deno.test("--html FILE writes the page beside the main report", async () => {
  using t = makeTree({});
  const r = await scanCommand(
    [
      "--root",
      fixtureRoot("basic"),
      "--enable",
      "kernel_params",
      "--output",
      `${t.path}/r.json`,
      "--html",
      `${t.path}/r.html`,
    ],
    { scanners: [kernelParams], stderr: () => {} },
  );
  assert.ok(r.ok);
  assert.ok(JSON.parse(Deno.readTextFileSync(`${t.path}/r.json`)).results);
  assert.match(Deno.readTextFileSync(`${t.path}/r.html`), /^<!DOCTYPE html>/);
  assert.equal(Deno.statSync(`${t.path}/r.html`).mode! & 0o777, 0o600);
});
