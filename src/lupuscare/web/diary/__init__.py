"""The patient diary pages (filled by a later issue; the DiaryEntry model lives in records)."""
