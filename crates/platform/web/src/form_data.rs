//! Submitted HTML forms, urlencoded or multipart (with files). The context middleware reads
//! and parses the body once (it must find the CSRF token anyway) and leaves a [`FormData`] in
//! the request's extensions for handlers.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use bytes::Bytes;

use crate::error::PageError;

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// The name the browser gave (untrusted).
    pub name: String,
    pub content: Bytes,
}

#[derive(Debug, Clone, Default)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    /// Non-empty file parts only (a file input left empty sends an empty part).
    pub files: Vec<Upload>,
}

impl FormData {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    pub fn file(&self, field: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.field == field)
    }

    pub fn urlencoded(bytes: &[u8]) -> Option<FormData> {
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
        Some(FormData {
            fields,
            files: Vec::new(),
        })
    }

    pub async fn multipart(bytes: Bytes, content_type: &str) -> Option<FormData> {
        let boundary = multer::parse_boundary(content_type).ok()?;
        let stream =
            futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(bytes) });
        let mut parts = multer::Multipart::new(stream, boundary);
        let mut out = FormData::default();
        // A malformed body is refused whole (no half-read form reaches a handler).
        while let Some(field) = parts.next_field().await.ok()? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    // A file input left empty sends an empty part: not an upload.
                    let content = field.bytes().await.ok()?;
                    if !content.is_empty() {
                        out.files.push(Upload {
                            field: name,
                            name: file_name,
                            content,
                        });
                    }
                }
                None => out.fields.push((name, field.text().await.ok()?)),
            }
        }
        Some(out)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for FormData {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<FormData>()
            .cloned()
            .ok_or_else(|| PageError::bad_request("a form was expected"))
    }
}
