"""Evidence synthesis pages (filled by a later issue)."""
