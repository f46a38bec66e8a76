"""Step factories shared by every sync: extract, standardise, dedupe, match, plan, apply,
reconcile. A sync is a spec plus these; per-object differences are spec rows."""
