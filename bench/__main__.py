import sys

from bench import dedupe, qbo_invoices, salesforce_calls, sync_end_to_end, xero_invoices

sys.exit(salesforce_calls.main([]) or sync_end_to_end.main([]) or xero_invoices.main([])
         or qbo_invoices.main([]) or dedupe.main([]))
