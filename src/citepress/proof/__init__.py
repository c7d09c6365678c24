"""The editor's proof: findings placed on the pages, a query list, a report."""
