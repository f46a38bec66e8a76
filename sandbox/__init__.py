"""Local, protocol-faithful stand-ins for Salesforce, Xero and QuickBooks Online, and the
sandbox platform database. Used by tests, `make sync`, `make ui` and the benchmarks."""
