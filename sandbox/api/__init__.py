"""The /fhir/R4 HTTP interface (plain Django views)."""
