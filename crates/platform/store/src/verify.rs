//! Verification of every ledger stream held by a store.

use std::sync::Arc;

use guichet_ledger::{Break, ChainVerifier, StreamReport, TrustedKeys};

use crate::{PlatformStore, Result};

/// Entries read per query while verifying.
const BATCH: u32 = 20_000;

#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    pub streams: Vec<StreamReport>,
    pub entries: u64,
    pub checkpoints: u64,
}

/// Called with (stream, entries checked so far in it) while verifying.
pub type Progress = Arc<dyn Fn(&str, u64) + Send + Sync>;

/// Streams verified at the same time (each chain is independent).
const PARALLEL_STREAMS: usize = 4;

/// Checks every stream: chain, hashes, checkpoints (signed by a trusted key) and heads.
/// The outer `Result` is a storage failure; the inner one is the verdict, naming the first
/// broken entry (of the first broken stream in name order). `progress` is called after each
/// batch with (stream, entries checked so far in that stream).
pub async fn verify_store(
    store: &Arc<dyn PlatformStore>,
    trusted: &TrustedKeys,
    progress: Progress,
) -> Result<Result<VerifyReport, Break>> {
    let heads = store.stream_heads().await?;
    let names = store.stream_names().await?;
    let mut outcomes: Vec<(String, Result<StreamReport, Break>)> = Vec::with_capacity(names.len());
    let mut running = tokio::task::JoinSet::new();
    let mut pending = names.into_iter();
    loop {
        while running.len() < PARALLEL_STREAMS {
            let Some(stream) = pending.next() else { break };
            let head = heads
                .iter()
                .find(|h| h.stream == stream)
                .map(|h| (h.seq, h.hash));
            let (store, trusted, progress) = (store.clone(), trusted.clone(), progress.clone());
            running.spawn(async move {
                let verdict = verify_stream(&*store, &trusted, &stream, head, &*progress).await;
                (stream, verdict)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (stream, verdict) = joined
            .map_err(|e| crate::StoreError::Database(format!("verification task failed: {e}")))?;
        outcomes.push((stream, verdict?));
    }
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut report = VerifyReport {
        streams: Vec::new(),
        entries: 0,
        checkpoints: 0,
    };
    for (_, verdict) in outcomes {
        match verdict {
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

async fn verify_stream(
    store: &dyn PlatformStore,
    trusted: &TrustedKeys,
    stream: &str,
    head: Option<(i64, guichet_ledger::Hash)>,
    progress: &(dyn Fn(&str, u64) + Send + Sync),
) -> Result<Result<StreamReport, Break>> {
    let checkpoints = store.checkpoints(stream).await?;
    let mut verifier = ChainVerifier::new(stream, trusted, checkpoints);
    let mut after = 0i64;
    let mut seen = 0u64;
    loop {
        let batch = store.ledger_entries(stream, after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for entry in &batch {
            if let Err(b) = verifier.push(entry) {
                return Ok(Err(b));
            }
        }
        seen += batch.len() as u64;
        progress(stream, seen);
        if batch.len() < BATCH as usize {
            break;
        }
    }
    // A stream with entries but no head row had its head deleted.
    let head = head.or(if seen > 0 {
        Some((0, guichet_ledger::GENESIS))
    } else {
        None
    });
    Ok(verifier.finish(head))
}

/// Signs the head of every stream that moved since this key's last checkpoint, when that
/// checkpoint is from an earlier UTC day (daily checkpoints) or when `force` is set.
/// Returns how many checkpoints were written.
pub async fn checkpoint_streams(
    store: &dyn PlatformStore,
    key: &guichet_ledger::LedgerKey,
    now: time::OffsetDateTime,
    force: bool,
) -> Result<usize> {
    let key_id = key.key_id();
    let mut made = 0;
    for head in store.stream_heads().await? {
        let last = store
            .checkpoints(&head.stream)
            .await?
            .into_iter()
            .filter(|c| c.key_id == key_id)
            .max_by_key(|c| c.seq);
        let due = match &last {
            None => head.seq > 0,
            Some(c) => c.seq < head.seq && (force || c.at.date() < now.date()),
        };
        if due {
            store
                .add_checkpoint(&key.checkpoint(&head.stream, head.seq, head.hash, now))
                .await?;
            made += 1;
        }
    }
    Ok(made)
}

/// A progress callback that reports nothing.
pub fn no_progress() -> Progress {
    Arc::new(|_, _| {})
}
