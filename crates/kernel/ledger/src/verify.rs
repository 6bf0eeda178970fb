//! Streaming verification of one ledger stream: sequence, links, hashes and signed checkpoints.

use std::fmt;

use crate::{Checkpoint, Entry, GENESIS, Hash, TrustedKeys, sha256};

/// What is wrong with the first broken entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakKind {
    /// A sequence number is missing, repeated or out of order (row deleted, inserted or reordered).
    SequenceGap { expected: i64 },
    /// The stored previous hash is not the hash of the entry before (a neighbour was changed or moved).
    BrokenLink,
    /// The payload was edited: its hash no longer matches.
    PayloadAltered,
    /// A field of the entry was edited: its hash no longer matches.
    EntryAltered,
    /// A signed checkpoint names another hash for this sequence number (the chain was rewritten).
    CheckpointMismatch { checkpoint_at: String },
    /// A checkpoint's signature is invalid or its key is not trusted.
    BadCheckpointSignature { reason: String },
    /// A checkpoint names an entry after the end of the chain (entries at the end were removed).
    TruncatedAfterCheckpoint { last_seq: i64 },
    /// The stream head record disagrees with the last entry.
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

/// The first broken place of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub stream: String,
    pub seq: i64,
    pub kind: BreakKind,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stream {:?}, entry {}: ", self.stream, self.seq)?;
        match &self.kind {
            BreakKind::SequenceGap { expected } => {
                write!(
                    f,
                    "expected entry {expected} here (an entry was deleted, inserted or reordered)"
                )
            }
            BreakKind::BrokenLink => write!(
                f,
                "previous-hash link broken (the entry before was changed, removed or moved)"
            ),
            BreakKind::PayloadAltered => {
                write!(f, "payload altered (its SHA-256 no longer matches)")
            }
            BreakKind::EntryAltered => {
                write!(f, "entry altered (its hash no longer matches its fields)")
            }
            BreakKind::CheckpointMismatch { checkpoint_at } => {
                write!(
                    f,
                    "differs from the signed checkpoint of {checkpoint_at} (the chain was rewritten)"
                )
            }
            BreakKind::BadCheckpointSignature { reason } => {
                write!(f, "checkpoint rejected: {reason}")
            }
            BreakKind::TruncatedAfterCheckpoint { last_seq } => {
                write!(
                    f,
                    "a signed checkpoint names this entry but the chain ends at {last_seq} (entries removed)"
                )
            }
            BreakKind::HeadMismatch { head_seq, last_seq } => {
                write!(
                    f,
                    "stream head says {head_seq} entries but the chain ends at {last_seq}"
                )
            }
        }
    }
}

/// Totals for one verified stream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StreamReport {
    pub stream: String,
    pub entries: u64,
    pub checkpoints: u64,
    pub last_seq: i64,
    #[serde(with = "hex::serde")]
    pub head_hash: Hash,
}

/// Feed it a stream's entries in sequence order; it stops at the first break.
pub struct ChainVerifier<'k> {
    stream: String,
    trusted: &'k TrustedKeys,
    checkpoints: Vec<Checkpoint>,
    next_checkpoint: usize,
    last_seq: i64,
    last_hash: Hash,
    entries: u64,
    checkpoints_ok: u64,
}

impl<'k> ChainVerifier<'k> {
    pub fn new(stream: &str, trusted: &'k TrustedKeys, mut checkpoints: Vec<Checkpoint>) -> Self {
        checkpoints.sort_by_key(|c| c.seq);
        Self {
            stream: stream.to_owned(),
            trusted,
            checkpoints,
            next_checkpoint: 0,
            last_seq: 0,
            last_hash: GENESIS,
            entries: 0,
            checkpoints_ok: 0,
        }
    }

    fn broken(&self, seq: i64, kind: BreakKind) -> Break {
        Break {
            stream: self.stream.clone(),
            seq,
            kind,
        }
    }

    pub fn push(&mut self, e: &Entry) -> Result<(), Break> {
        let expected = self.last_seq + 1;
        if e.seq != expected || e.stream != self.stream {
            return Err(self.broken(e.seq, BreakKind::SequenceGap { expected }));
        }
        if e.prev_hash != self.last_hash {
            return Err(self.broken(e.seq, BreakKind::BrokenLink));
        }
        if sha256(e.payload.as_bytes()) != e.payload_hash {
            return Err(self.broken(e.seq, BreakKind::PayloadAltered));
        }
        if e.computed_hash() != e.entry_hash {
            return Err(self.broken(e.seq, BreakKind::EntryAltered));
        }
        while let Some(cp) = self.checkpoints.get(self.next_checkpoint) {
            if cp.seq > e.seq {
                break;
            }
            // A checkpoint below the current entry was skipped only if its seq is not positive.
            if cp.seq == e.seq {
                if cp.entry_hash != e.entry_hash {
                    return Err(self.broken(
                        e.seq,
                        BreakKind::CheckpointMismatch {
                            checkpoint_at: cp.at.to_string(),
                        },
                    ));
                }
                if let Err(reason) = self.trusted.check(cp) {
                    return Err(self.broken(e.seq, BreakKind::BadCheckpointSignature { reason }));
                }
                self.checkpoints_ok += 1;
            } else {
                return Err(self.broken(
                    cp.seq,
                    BreakKind::BadCheckpointSignature {
                        reason: "checkpoint names no entry".into(),
                    },
                ));
            }
            self.next_checkpoint += 1;
        }
        self.last_seq = e.seq;
        self.last_hash = e.entry_hash;
        self.entries += 1;
        Ok(())
    }

    /// Ends the stream. `head` is the stored stream head (sequence, hash), when the store keeps one.
    pub fn finish(self, head: Option<(i64, Hash)>) -> Result<StreamReport, Break> {
        if let Some(cp) = self.checkpoints.get(self.next_checkpoint) {
            return Err(self.broken(
                cp.seq,
                BreakKind::TruncatedAfterCheckpoint {
                    last_seq: self.last_seq,
                },
            ));
        }
        if let Some((head_seq, head_hash)) = head
            && (head_seq != self.last_seq || head_hash != self.last_hash)
        {
            return Err(self.broken(
                head_seq,
                BreakKind::HeadMismatch {
                    head_seq,
                    last_seq: self.last_seq,
                },
            ));
        }
        Ok(StreamReport {
            stream: self.stream,
            entries: self.entries,
            checkpoints: self.checkpoints_ok,
            last_seq: self.last_seq,
            head_hash: self.last_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::event;
    use crate::{LedgerKey, seal};
    use time::macros::datetime;
    use uuid::Uuid;

    fn chain(n: u32) -> Vec<Entry> {
        let at = datetime!(2026-11-25 10:00:00 UTC);
        let mut out: Vec<Entry> = Vec::new();
        for i in 1..=n {
            let (seq, prev) = out
                .last()
                .map(|e| (e.seq, e.entry_hash))
                .unwrap_or((0, GENESIS));
            out.push(seal(&event(i), Uuid::from_u128(i as u128), at, seq, prev).expect("seal"));
        }
        out
    }

    fn run(
        entries: &[Entry],
        trusted: &TrustedKeys,
        cps: Vec<Checkpoint>,
    ) -> Result<StreamReport, Break> {
        let mut v = ChainVerifier::new("HN-HK", trusted, cps);
        for e in entries {
            v.push(e)?;
        }
        v.finish(None)
    }

    #[test]
    fn intact_chain_verifies_with_checkpoint() {
        let key = LedgerKey::from_secret([3; 32]);
        let mut trusted = TrustedKeys::new();
        trusted.add(key.public());
        let c = chain(5);
        let cp = key.checkpoint(
            "HN-HK",
            3,
            c[2].entry_hash,
            datetime!(2026-11-26 00:00:00 UTC),
        );
        let report = run(&c, &trusted, vec![cp]).expect("verifies");
        assert_eq!(
            (report.entries, report.checkpoints, report.last_seq),
            (5, 1, 5)
        );
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let trusted = TrustedKeys::new();
        let c = chain(5);

        let mut edited = c.clone();
        edited[2].payload = edited[2].payload.replace("Hoàn", "Hoan");
        assert_eq!(
            run(&edited, &trusted, vec![]).unwrap_err().kind,
            BreakKind::PayloadAltered
        );

        let mut edited = c.clone();
        edited[1].actor = "user:evil".into();
        let b = run(&edited, &trusted, vec![]).unwrap_err();
        assert_eq!((b.seq, b.kind), (2, BreakKind::EntryAltered));

        let mut deleted = c.clone();
        deleted.remove(2);
        let b = run(&deleted, &trusted, vec![]).unwrap_err();
        assert_eq!((b.seq, b.kind), (4, BreakKind::SequenceGap { expected: 3 }));

        let mut reordered = c.clone();
        reordered.swap(1, 2);
        assert!(matches!(
            run(&reordered, &trusted, vec![]).unwrap_err().kind,
            BreakKind::SequenceGap { .. }
        ));

        // Swapping sequence numbers too keeps the sequence but breaks the links.
        let mut renumbered = c.clone();
        renumbered.swap(1, 2);
        renumbered[1].seq = 2;
        renumbered[2].seq = 3;
        assert!(matches!(
            run(&renumbered, &trusted, vec![]).unwrap_err().kind,
            BreakKind::BrokenLink | BreakKind::EntryAltered
        ));
    }

    #[test]
    fn rewritten_chain_is_caught_by_checkpoint_and_truncation_too() {
        let key = LedgerKey::from_secret([3; 32]);
        let mut trusted = TrustedKeys::new();
        trusted.add(key.public());
        let c = chain(5);
        let cp = key.checkpoint(
            "HN-HK",
            4,
            c[3].entry_hash,
            datetime!(2026-11-26 00:00:00 UTC),
        );

        // A rewrite that recomputes every hash consistently still contradicts the checkpoint.
        let mut rewritten = chain(3);
        let mut e = seal(
            &event(99),
            Uuid::from_u128(99),
            c[3].at,
            3,
            rewritten[2].entry_hash,
        )
        .expect("seal");
        rewritten.push(e.clone());
        e = seal(&event(5), Uuid::from_u128(5), c[4].at, 4, e.entry_hash).expect("seal");
        rewritten.push(e);
        assert!(matches!(
            run(&rewritten, &trusted, vec![cp.clone()])
                .unwrap_err()
                .kind,
            BreakKind::CheckpointMismatch { .. }
        ));

        let truncated = &c[..3];
        assert_eq!(
            run(truncated, &trusted, vec![cp.clone()]).unwrap_err().kind,
            BreakKind::TruncatedAfterCheckpoint { last_seq: 3 }
        );

        let untrusted = TrustedKeys::new();
        assert!(matches!(
            run(&c, &untrusted, vec![cp]).unwrap_err().kind,
            BreakKind::BadCheckpointSignature { .. }
        ));
    }

    #[test]
    fn head_record_must_match() {
        let trusted = TrustedKeys::new();
        let c = chain(3);
        let mut v = ChainVerifier::new("HN-HK", &trusted, vec![]);
        for e in &c {
            v.push(e).expect("ok");
        }
        let b = v.finish(Some((4, [0; 32]))).unwrap_err();
        assert_eq!(
            b.kind,
            BreakKind::HeadMismatch {
                head_seq: 4,
                last_seq: 3
            }
        );
    }
}
