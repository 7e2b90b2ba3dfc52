/** Every compliance standard, validated once at load, in report order. */
import { type Standard, StandardSchema } from "../model.ts";
import { CIS_LINUX } from "./cis_linux.ts";
import { HIPAA_SECURITY } from "./hipaa_security.ts";
import { NIST_CSF_2_0 } from "./nist_csf_2_0.ts";
import { PCI_DSS_4_0 } from "./pci_dss_4_0.ts";

/** The standards, validated. */
export const STANDARDS: readonly Standard[] = [PCI_DSS_4_0, HIPAA_SECURITY, NIST_CSF_2_0, CIS_LINUX].map((
  s,
) => StandardSchema.parse(s));
