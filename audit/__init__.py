"""The audit: joins the indexed chain (indexer) with the books (ledger, minter batches)."""
