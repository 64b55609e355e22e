"""What the dashboard's pages share: cached access to the catalog and store, and drawing helpers."""
