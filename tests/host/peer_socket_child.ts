/**
 * Peeks at descriptor 0 of the process given as the first argument (expected socket inode: the second) and
 * prints the outcome as JSON: run as another user, it shows what a scan without ptrace rights gets.
 */
import { peekInetSocket } from "../../src/host/peer_socket.ts";

console.log(JSON.stringify(peekInetSocket(Number(Deno.args[0]), 0, Number(Deno.args[1]))));
