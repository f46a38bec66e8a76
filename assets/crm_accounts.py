"""CRM accounts: platform companies -> Salesforce Accounts (mappings/crm_accounts.yaml)."""

from assets.sync import build_sync_assets, load_shipped_spec

SPEC = load_shipped_spec("crm_accounts")
crm_accounts_assets = build_sync_assets(SPEC)
