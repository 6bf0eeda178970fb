//! Verification of every ledger stream held by a store.

use guichet_ledger::{Break, ChainVerifier, StreamReport, TrustedKeys};

use crate::{Result, Store};

/// Entries read per query while verifying.
const BATCH: u32 = 20_000;

#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    pub streams: Vec<StreamReport>,
    pub entries: u64,
    pub checkpoints: u64,
}

/// Checks every stream: chain, hashes, checkpoints (signed by a trusted key) and heads.
/// The outer `Result` is a storage failure; the inner one is the verdict, naming the first
/// broken entry. `progress` is called after each batch with (stream, entries so far).
pub async fn verify_store(
    store: &dyn Store,
    trusted: &TrustedKeys,
    progress: &mut (dyn FnMut(&str, u64) + Send),
) -> Result<Result<VerifyReport, Break>> {
    let heads = store.stream_heads().await?;
    let mut report = VerifyReport {
        streams: Vec::new(),
        entries: 0,
        checkpoints: 0,
    };
    for stream in store.stream_names().await? {
        let checkpoints = store.checkpoints(&stream).await?;
        let mut verifier = ChainVerifier::new(&stream, trusted, checkpoints);
        let mut after = 0i64;
        let mut seen = 0u64;
        loop {
            let batch = store.ledger_entries(&stream, after, BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for entry in &batch {
                if let Err(b) = verifier.push(entry) {
                    return Ok(Err(b));
                }
            }
            seen += batch.len() as u64;
            progress(&stream, seen);
            if batch.len() < BATCH as usize {
                break;
            }
        }
        let head = heads
            .iter()
            .find(|h| h.stream == stream)
            .map(|h| (h.seq, h.hash));
        // A stream with entries but no head row had its head deleted.
        let head = head.or(if seen > 0 {
            Some((0, guichet_ledger::GENESIS))
        } else {
            None
        });
        match verifier.finish(head) {
            Ok(r) => {
                report.entries += r.entries;
                report.checkpoints += r.checkpoints;
                report.streams.push(r);
            }
            Err(b) => return Ok(Err(b)),
        }
    }
    Ok(Ok(report))
}
