/** Keys of the compliance standards sys-scan evaluates (`--compliance-standards`), in report order. */
export const STANDARD_IDS = ["pci_dss_4_0", "hipaa_security", "nist_csf_2_0", "cis_linux"] as const;

/** One standard key. */
export type StandardId = typeof STANDARD_IDS[number];
