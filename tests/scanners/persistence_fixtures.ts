/** Shared test data for the persistence tests. */

/** A real ed25519 public key blob (type string + 32 bytes), base64; `ssh-keygen -lf` gives SHA256:3Itk2k+…gGc. */
export const ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIHq9jXc0Ah0fBsrHcpXKkOWbUl8+/0qz+6sP0FzQ7sEo";
