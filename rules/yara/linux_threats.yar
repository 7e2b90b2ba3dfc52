/*
 * Sample YARA rules shipped with sys-scan: a few well-known Linux intrusion artefacts.
 * Load them with `--yara-rules rules/yara`, or copy them into the yara/ folder of your `--rules-dir`.
 * The `severity` meta (info|low|medium|high|critical) sets the finding's severity.
 */

rule reverse_shell_oneliner : reverse_shell execution
{
    meta:
        description = "Shell, netcat, Python or Perl reverse-shell one-liner"
        severity = "high"
        mitre = "T1059.004"
    strings:
        $dev_tcp = /(ba|z|k)?sh\s+-i\s*[0-9]?>&\s*\/dev\/(tcp|udp)\/[A-Za-z0-9.\-]{1,253}\/[0-9]{1,5}/
        $nc_exec = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?\s+(-[a-z]*\s+)*-e\s+\/bin\/(ba|da|z)?sh\b/
        $mkfifo = /mkfifo\s+\/tmp\/[A-Za-z0-9_.]+\s*;\s*(nc|ncat|cat)\b/
        $py_pty = /socket\.socket\([^)]*\)[^\n]{0,300}\.connect\(\(["'][^"']+["'],\s*[0-9]{1,5}\)\)[^\n]{0,400}(pty\.spawn|subprocess\.call)\(/
        $perl_sock = /perl\s+-e\s+["']use Socket;[^\n]{0,300}exec\(["']\/bin\/(ba)?sh/
    condition:
        filesize < 2MB and any of them
}

rule xmrig_miner_config : miner cryptojacking
{
    meta:
        description = "XMRig cryptocurrency miner configuration (pools, donate-level)"
        severity = "high"
        mitre = "T1496"
    strings:
        $donate = "\"donate-level\"" ascii
        $pools = "\"pools\"" ascii
        $url = /"url"\s*:\s*"[A-Za-z0-9.\-]+:[0-9]{2,5}"/
        $algo = /"(algo|coin)"\s*:\s*"(rx\/0|rx\/wow|cn\/r|monero|xmr|randomx)"/ nocase
    condition:
        filesize < 256KB and $donate and $pools and ($url or $algo)
}

rule xmrig_miner_binary : miner cryptojacking
{
    meta:
        description = "XMRig miner program (ELF with XMRig strings)"
        severity = "critical"
        mitre = "T1496"
    strings:
        $name = "XMRig" ascii
        $donate_host = "donate.v2.xmrig.com" ascii
        $stratum = "stratum+tcp://" ascii
        $randomx = "randomx" ascii nocase
        $opt = "--donate-level" ascii
    condition:
        uint32(0) == 0x464c457f and $name and 2 of ($donate_host, $stratum, $randomx, $opt)
}

rule php_webshell_eval_input : webshell
{
    meta:
        description = "PHP that evaluates or executes request input (web shell)"
        severity = "high"
        mitre = "T1505.003"
    strings:
        $php = "<?php" nocase
        $eval_input = /(eval|assert|system|passthru|shell_exec|exec|popen)\s*\(\s*(base64_decode\s*\(\s*)?\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
    condition:
        filesize < 512KB and $php and $eval_input
}
