/**
 * Catalogue of the shell-and-tools families: aliases and functions that shadow sensitive commands, commands the
 * shell runs on events (PROMPT_COMMAND, traps, zsh hooks) that capture what is typed, and Python start-up code.
 * Git configuration and hooks, and the lines of start-up files, are judged by the shared `persistence.command.*`
 * checks.
 */
import type { CheckInput } from "../../../core/catalogue.ts";
import { FAMILY_BASE, PRESERVE_AND_REMOVE } from "./common.ts";

/** Checks of the shell-and-tools families. */
export const SHELL_TOOL_CHECKS: CheckInput[] = [
  {
    ...FAMILY_BASE,
    id: "persistence.shell.shadowed_command",
    title: "Shell alias or function shadows a sensitive command",
    severity: "high",
    rationale:
      "An alias or function named sudo, su, ssh, passwd, ls, ps, netstat, cd… in a start-up file runs instead " +
      "of the real program every time someone types the name. Ones that read a password silently, copy what is " +
      "typed to a file or the network, filter the command's output (`ps | grep -v`), or never run the real " +
      "sudo/su/ssh/passwd are how intruders steal credentials and hide their processes and connections." +
      " High: typing sudo, su or ssh hands the password, or the command's output, to the intruder's program.",
    remediation:
      "Remove the definition from the start-up file (the finding names file and line), then change " +
      "the passwords typed in shells that had it. " + PRESERVE_AND_REMOVE,
    mitre: ["T1546.004", "T1056.001", "T1564"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.shell.command_capture",
    title: "Shell hook records the commands typed and sends them away",
    severity: "high",
    rationale:
      "PROMPT_COMMAND, a DEBUG trap or a zsh preexec/precmd hook runs around every command; one that takes " +
      "the command line ($BASH_COMMAND, history, the hook's arguments) and writes it to a file or a network " +
      "tool is a keylogger for the shell, passwords typed on command lines included. Sending it to syslog " +
      "with logger, as command-audit setups do, is not reported." +
      " High: every command typed, passwords given on a command line included, leaves the host.",
    remediation: "Remove the hook from the start-up file. " + PRESERVE_AND_REMOVE,
    mitre: ["T1546.004", "T1546.005", "T1056.001"],
    confidence: "heuristic",
  },
  {
    ...FAMILY_BASE,
    id: "persistence.python.startup_code",
    title: "Python start-up code runs programs, decodes a payload or opens a connection",
    severity: "high",
    rationale: "Python executes the `import` lines of every .pth file in its site directories, and imports " +
      "sitecustomize and usercustomize, at the start of every Python program (pip, apt's hooks, system " +
      "tools run by root). Stock files only set up import paths and namespace packages; one that runs a " +
      "shell command, execs decoded or compressed data, or opens a socket is a start-up hook for every Python " +
      "program on the host." +
      " High: the code runs inside every Python program of that interpreter, system tools run by root included.",
    remediation: "Remove the line or the module (the finding names the file and line). " +
      PRESERVE_AND_REMOVE,
    mitre: ["T1546.018", "T1059.006"],
    confidence: "heuristic",
  },
];
