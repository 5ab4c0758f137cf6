"""What the exchange adds up to: balance and net position, flags and their thresholds,
payout statements (CSV and PDF), partner suggestions and CSV exports.

May import: core, directory, people, customers, exchange (and models).
"""
