"""Locust load tests and benchmarks for the simulated Sage Intacct gateway and the TMS -> Intacct connector."""
