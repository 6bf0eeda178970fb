-- The language a dossier was filed in (vi, fr or en): the applicant's e-mails are written in
-- it. Empty for dossiers filed before it was recorded: their e-mails use the office's language.
ALTER TABLE dossiers ADD COLUMN lang TEXT NOT NULL DEFAULT '';
