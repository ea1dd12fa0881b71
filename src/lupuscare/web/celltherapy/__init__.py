"""Cell-therapy programmes (filled by a later issue)."""
