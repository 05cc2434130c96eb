"""The live-coverage test: a real Prometheus scraping itself for about a minute (issue 10, point 1)."""
