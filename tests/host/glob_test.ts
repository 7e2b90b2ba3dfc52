/**
 * Glob matching: fnmatch(3) with FNM_PATHNAME for paths, plain `*`/`?` globs for names, and both in linear time
 * on the patterns a planted file can hold.
 */
import assert from "node:assert/strict";
import { globMatcher } from "../../src/host/glob.ts";

Deno.test("glob: a path glob is read as fnmatch with FNM_PATHNAME reads it", () => {
  const m = (p: string, s: string, explicitDot = false) => globMatcher(p, { path: true, explicitDot })(s);
  assert.ok(m("net/ipv4/conf/*/rp_filter", "net/ipv4/conf/eth0/rp_filter"));
  assert.ok(!m("net/ipv4/conf/*/rp_filter", "net/ipv4/conf/a/b/rp_filter"), "* never crosses a slash");
  assert.ok(!m("a?c", "a/c"), "? never matches a slash");
  assert.ok(!m("a[/]c", "a/c") && !m("a[!x]c", "a/c"), "nor does a class");
  assert.ok(
    m("eth[01]", "eth1") && !m("eth[!01]", "eth1") && !m("eth[^01]", "eth0") && m("eth[^01]", "eth2"),
  );
  assert.ok(m("sd[a-c]", "sdb") && !m("sd[a-c]", "sdd") && m("x[]a]", "x]") && m("x[a-]", "x-"));
  assert.ok(m("a[b", "a[b"), "an unclosed [ stands for itself");
  assert.ok(m("a\\*b", "a*b") && !m("a\\*b", "axb"), "a backslash quotes");
  assert.ok(m("a.b+(c)", "a.b+(c)") && !m("a.b", "axb"), "regex syntax is literal");
  assert.ok(m("*.conf", ".hidden.conf") && !m("*.conf", ".hidden.conf", true), "explicitDot");
  assert.ok(m(".*.conf", ".hidden.conf", true));
  assert.ok(!m("[z-a]", "m") && !m("[z-a]*", "zzz"), "a reversed range matches nothing");
  assert.ok(m("*", "") && m("a**b", "ab") && m("*a*b*", "xxaxxbxx") && !m("*a*b*", "xxbxxaxx"));
  assert.ok(m("é?", "éü"), "characters, not UTF-16 halves");
});

Deno.test("glob: a name glob has only * and ?; [ and \\ are literal, and a newline is a character", () => {
  const m = (p: string, s: string) => globMatcher(p)(s);
  assert.ok(m("auth.*", "auth.pam.x") && m("a/*", "a/b/c"), "* crosses anything");
  assert.ok(m("x[0]*", "x[0]y") && !m("x[0]*", "x0y"));
  assert.ok(m("a\\d*", "a\\dx") && !m("a\\d*", "a1x"));
  assert.ok(m("a*b", "a\nb") && m("?", "😀"));
});

Deno.test("glob: patterns that make a regex backtrack take linear time", () => {
  // As regexes these took seconds to hours: the 16-star sysctl key alone took 21 s.
  const cases: [string, string, boolean][] = [
    [`net/ipv4/conf/${"*".repeat(5000)}q/rp_filter`, "net/ipv4/conf/enp0s31f6abcdefgh/rp_filter", true],
    [`${"*a".repeat(2000)}b`, "a".repeat(5000), false],
    [`${"*?".repeat(2000)}x`, "y".repeat(5000), false],
    [`${"*[ab]".repeat(2000)}c`, "ab".repeat(2500), true],
  ];
  const started = performance.now();
  for (const [pattern, name, path] of cases) {
    assert.equal(globMatcher(pattern, { path })(name), false, pattern.slice(0, 30));
  }
  const ms = performance.now() - started;
  assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
});
