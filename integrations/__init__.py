"""Source-system connectors: one package per system, each a client plus small streams.

Connectors only extract. They map a vendor's shape onto the platform's stream
contracts (``integrations.contracts``) and know nothing of validation, the
warehouse or the program rules.
"""
