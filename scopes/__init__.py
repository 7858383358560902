"""The seed's scope catalog (data only, no models): every scope, its category, the
credential kinds that may carry it. Read by partners (allowances), tokens (validation)
and the public pages."""
