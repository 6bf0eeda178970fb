-- How a dossier arrived when an agent took it in on the applicant's behalf (at the counter or by
-- post): the channel, the identity document seen, who took it in and when (JSON). NULL for a
-- dossier the applicant filed online.
ALTER TABLE dossiers ADD COLUMN intake TEXT;
