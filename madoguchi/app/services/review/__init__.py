"""Review and approval of drafts (審査・決裁), corrections, cancellation, reconciliation."""
