/** Child process of privileges_test.ts: drops to the given capabilities, then reads a file owned by nobody (0600). */
import { capMask, dropCapabilities } from "../../src/security/privileges.ts";

const [file, ...keep] = Deno.args;
const mask = capMask(keep);
if (!mask.ok) throw new Error(mask.error.message);
const dropped = dropCapabilities(mask.value);
let read: string;
try {
  Deno.readTextFileSync(file);
  read = "ok";
} catch (e) {
  read = (e as Error).name;
}
const child = await new Deno.Command("/usr/bin/grep", {
  args: ["-E", "^Cap(Eff|Bnd|Prm)", "/proc/self/status"],
})
  .output();
const status = new TextDecoder().decode(child.stdout);
console.log(JSON.stringify({ dropped, read, child: status }));
