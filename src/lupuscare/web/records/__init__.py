"""Records: patients, care teams, visits, labs, medications, diary, damage and the audit log."""
