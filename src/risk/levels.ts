/** Asset criticality levels (`--asset-criticality`), lowest first. */
export const CRITICALITY_LEVELS = ["low", "medium", "high", "critical"] as const;

/** An asset criticality level. */
export type Criticality = typeof CRITICALITY_LEVELS[number];
