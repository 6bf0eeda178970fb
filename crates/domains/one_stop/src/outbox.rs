//! The outbox: e-mails and webhook calls are written in the transaction that causes them and
//! sent afterwards by [`Sender::run_once`], so a crash never loses one and a failed one is
//! retried with a growing pause. Claims are optimistic (`attempts` compare-and-set), so several
//! servers may run senders without locks.

use std::path::PathBuf;
use std::time::Duration;

use crate::store::OneStopStore;
use guichet_core::{Clock, Language};
use guichet_store::OutboxRecord;
use hmac::{KeyInit, Mac};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncTransport, Message};
use serde_json::Value;

use crate::state::State;

/// After this many failed attempts a message stays in the outbox with its last error.
pub const MAX_ATTEMPTS: i64 = 8;

pub fn state_mail(lang: Language, code: &str, to: State, reason: &str) -> (String, String) {
    use Language::*;
    let what = match (to, lang) {
        (State::Submitted, Vi) => "đã được nộp",
        (State::Submitted, Fr) => "a bien été déposé",
        (State::Submitted, En) => "was submitted",
        (State::Received, Vi) => "đã được tiếp nhận và đang xử lý",
        (State::Received, Fr) => "est en cours d’instruction",
        (State::Received, En) => "was received and is being processed",
        (State::AwaitingApplicant, Vi) => "cần được bổ sung",
        (State::AwaitingApplicant, Fr) => "doit être complété",
        (State::AwaitingApplicant, En) => "needs to be completed",
        (State::Approved, Vi) => "đã được giải quyết",
        (State::Approved, Fr) => "a été accepté",
        (State::Approved, En) => "was approved",
        (State::Rejected, Vi) => "bị từ chối",
        (State::Rejected, Fr) => "a été refusé",
        (State::Rejected, En) => "was rejected",
        (State::Closed, Vi) => "đã dừng xử lý",
        (State::Closed, Fr) => "a été classé sans suite",
        (State::Closed, En) => "was closed without further action",
        (State::Withdrawn, Vi) => "đã được rút",
        (State::Withdrawn, Fr) => "a été retiré",
        (State::Withdrawn, En) => "was withdrawn",
        (State::HandedOver, Vi) => "đã được trả kết quả",
        (State::HandedOver, Fr) => "a été remis",
        (State::HandedOver, En) => "was handed over",
        (State::Draft, _) => "",
    };
    let (subject, why) = match lang {
        Vi => (format!("Hồ sơ {code} {what}"), "Lý do"),
        Fr => (format!("Votre dossier {code} {what}"), "Motif"),
        En => (format!("Your dossier {code} {what}"), "Reason"),
    };
    let mut body = format!("{subject}.\n");
    if !reason.is_empty() {
        body.push_str(&format!("\n{why}: {reason}\n"));
    }
    (subject, body)
}

pub fn message_mail(lang: Language, code: &str) -> (String, String) {
    let subject = match lang {
        Language::Vi => format!("Tin nhắn mới về hồ sơ {code}"),
        Language::Fr => format!("Nouveau message sur votre dossier {code}"),
        Language::En => format!("New message about your dossier {code}"),
    };
    (subject.clone(), format!("{subject}.\n"))
}

/// Where e-mails go.
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// Not configured: e-mails stay in the outbox, marked with an error, and are retried.
    None,
    /// One `.eml` file per message in a directory (development, tests).
    Directory(PathBuf),
    /// An SMTP relay (`smtp://host:port`, `smtps://…`, with credentials in the URL).
    Smtp(String),
}

pub struct Sender<'a> {
    pub store: &'a dyn OneStopStore,
    pub clock: &'a dyn Clock,
    pub mail: MailTransport,
    pub from: String,
    pub http: reqwest::Client,
    /// Where the attached documents' PDFs are read from.
    pub files: guichet_common::files::Files,
}

/// The HMAC-SHA256 of a webhook body, as sent in `X-Guichet-Signature: sha256=<hex>`.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn backoff(attempts: i64) -> time::Duration {
    time::Duration::seconds(30 * (1i64 << attempts.clamp(0, 10)))
}

impl Sender<'_> {
    /// Sends what is due; returns (sent, failed).
    pub async fn run_once(&self) -> Result<(usize, usize), guichet_store::StoreError> {
        let now = self.clock.now();
        let (mut sent, mut failed) = (0, 0);
        for msg in self.store.pending_outbox(200).await? {
            if msg.next_attempt_at > now || msg.attempts >= MAX_ATTEMPTS {
                continue;
            }
            // A claim lasts 5 minutes: a sender that dies mid-send is replaced after that.
            if !self
                .store
                .claim_outbox(msg.id, msg.attempts, now + time::Duration::minutes(5))
                .await?
            {
                continue;
            }
            let outcome = self.deliver(&msg).await;
            let done = self.clock.now();
            match outcome {
                Ok(()) => {
                    self.store
                        .finish_outbox(msg.id, Some(done), None, done)
                        .await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(id = %msg.id, topic = %msg.topic, error = %e, "outbox delivery failed");
                    self.store
                        .finish_outbox(msg.id, None, Some(e), done + backoff(msg.attempts))
                        .await?;
                    failed += 1;
                }
            }
        }
        Ok((sent, failed))
    }

    async fn deliver(&self, msg: &OutboxRecord) -> Result<(), String> {
        let field = |k: &str| {
            msg.payload
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        match msg.topic.as_str() {
            "email" => {
                let from: Mailbox = self
                    .from
                    .parse()
                    .map_err(|e| format!("sender address: {e}"))?;
                let to: Mailbox = field("to")
                    .parse()
                    .map_err(|e| format!("recipient address: {e}"))?;
                let builder = Message::builder()
                    .from(from)
                    .to(to)
                    .subject(field("subject"))
                    .message_id(Some(format!("<{}@guichet>", msg.id)));
                let attachments = self.attachments(msg).await?;
                let email = if attachments.is_empty() {
                    builder.body(field("body"))
                } else {
                    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(field("body")));
                    for part in attachments {
                        parts = parts.singlepart(part);
                    }
                    builder.multipart(parts)
                }
                .map_err(|e| e.to_string())?;
                match &self.mail {
                    MailTransport::None => Err("no mail transport is configured".into()),
                    MailTransport::Directory(dir) => {
                        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                        lettre::AsyncFileTransport::<lettre::Tokio1Executor>::new(dir)
                            .send(email)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                    MailTransport::Smtp(url) => {
                        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
                            .map_err(|e| e.to_string())?
                            .build()
                            .send(email)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                }
            }
            "webhook" => {
                let url = field("url");
                let hook = field("webhook");
                let secret = self.webhook_secret(msg, &hook).await?;
                let body = serde_json::to_vec(msg.payload.get("body").unwrap_or(&Value::Null))
                    .map_err(|e| e.to_string())?;
                let ts = self.clock.now().unix_timestamp();
                let response = self
                    .http
                    .post(&url)
                    .timeout(Duration::from_secs(10))
                    .header("content-type", "application/json")
                    .header("x-guichet-delivery", msg.id.to_string())
                    .header("x-guichet-timestamp", ts.to_string())
                    .header("x-guichet-signature", webhook_signature(&secret, ts, &body))
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("the webhook answered {}", response.status()))
                }
            }
            other => Err(format!("unknown outbox topic {other}")),
        }
    }

    /// The secret is read from the webhook row at send time, so it never sits in the outbox.
    /// The documents listed under `attachments`, read and checked from the file store; a file
    /// that cannot be read fails the delivery, which is retried (the mail is not sent without).
    async fn attachments(&self, msg: &OutboxRecord) -> Result<Vec<SinglePart>, String> {
        let mut parts = Vec::new();
        let listed = msg
            .payload
            .get("attachments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for a in listed {
            let id: guichet_core::FileId = a
                .get("file")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("attachment without a file id: {a}"))?;
            let record = self
                .store
                .file(id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("attached file {id} is not in the store"))?;
            let bytes = self.files.get(&record).await.map_err(|e| e.to_string())?;
            let content_type = ContentType::parse(&record.content_type)
                .map_err(|e| format!("attached file {id}: {e}"))?;
            parts.push(Attachment::new(record.name.clone()).body(bytes.to_vec(), content_type));
        }
        Ok(parts)
    }

    async fn webhook_secret(&self, msg: &OutboxRecord, hook: &str) -> Result<String, String> {
        let office = msg
            .payload
            .pointer("/body/office")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let offices = self.store.list_offices().await.map_err(|e| e.to_string())?;
        let office = offices
            .iter()
            .find(|o| o.code == office)
            .ok_or("the webhook's office is gone")?;
        let hooks = self
            .store
            .webhooks(office.id)
            .await
            .map_err(|e| e.to_string())?;
        hooks
            .into_iter()
            .find(|h| h.id.to_string() == hook)
            .map(|h| h.secret)
            .ok_or_else(|| "the webhook was removed".to_owned())
    }
}

/// Runs the sender every `every` until the task is dropped.
pub async fn run_forever(sender: Sender<'_>, every: Duration) {
    loop {
        if let Err(e) = sender.run_once().await {
            tracing::error!(error = %e, "outbox sender failed");
        }
        tokio::time::sleep(every).await;
    }
}
