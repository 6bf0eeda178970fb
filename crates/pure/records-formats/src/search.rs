//! The record search index: tantivy over title, metadata and extracted text, with a
//! tokenizer that lower-cases and folds accents (after NFC normalisation), so "ho so" finds
//! "hồ sơ", "dang ky" finds "đăng ký" and "decision" finds "décision". Each document carries
//! its office so a search only returns records the reader may see.
//!
//! The index is derived data: it can be dropped and rebuilt from the database at any time
//! (`guichet archive reindex`).

use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

const TOKENIZER: &str = "guichet_folded";
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    office: Field,
    title: Field,
    body: Field,
}

/// What the index holds of one record.
#[derive(Debug, Clone)]
pub struct IndexedRecord {
    pub id: Uuid,
    pub office: Uuid,
    /// Summary (trích yếu), number and symbol, type: weighted above the body.
    pub title: String,
    /// Other metadata and the extracted text.
    pub body: String,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        office: b.add_text_field("office", STRING),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text),
    };
    (b.build(), fields)
}

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (or recreating it when its schema is not this
    /// version's; the caller then rebuilds it) — returns whether it was created empty.
    pub fn open(dir: &Path) -> Result<(Self, bool), SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Index(e.to_string()))?;
        let (schema, fields) = schema();
        let existing = Index::open_in_dir(dir)
            .ok()
            .filter(|i| i.schema() == schema);
        let (index, created) = match existing {
            Some(i) => (i, false),
            None => {
                for entry in
                    std::fs::read_dir(dir).map_err(|e| SearchError::Index(e.to_string()))?
                {
                    let path = entry.map_err(|e| SearchError::Index(e.to_string()))?.path();
                    let _ = if path.is_dir() {
                        std::fs::remove_dir_all(&path)
                    } else {
                        std::fs::remove_file(&path)
                    };
                }
                (Index::create_in_dir(dir, schema)?, true)
            }
        };
        Ok((Self::with_index(index, fields)?, created))
    }

    /// An index in memory (tests).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(64))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer
            .lock()
            .map_err(|_| SearchError::Index("the index writer is poisoned".into()))
    }

    /// Adds or replaces records, then commits.
    pub fn put(&self, records: &[IndexedRecord]) -> Result<(), SearchError> {
        let mut w = self.writer()?;
        for r in records {
            let id = r.id.to_string();
            w.delete_term(Term::from_field_text(self.fields.id, &id));
            let mut doc = TantivyDocument::default();
            doc.add_text(self.fields.id, &id);
            doc.add_text(self.fields.office, r.office.to_string());
            doc.add_text(self.fields.title, nfc(&r.title));
            doc.add_text(self.fields.body, nfc(&r.body));
            w.add_document(doc)?;
        }
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Adds records without deleting earlier versions and without committing (bulk rebuild
    /// of an empty index); call [`Self::commit`] at the end.
    pub fn add_fresh(&self, records: &[IndexedRecord]) -> Result<(), SearchError> {
        let w = self.writer()?;
        for r in records {
            let mut doc = TantivyDocument::default();
            doc.add_text(self.fields.id, r.id.to_string());
            doc.add_text(self.fields.office, r.office.to_string());
            doc.add_text(self.fields.title, nfc(&r.title));
            doc.add_text(self.fields.body, nfc(&r.body));
            w.add_document(doc)?;
        }
        Ok(())
    }

    pub fn commit(&self) -> Result<(), SearchError> {
        self.writer()?.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    pub fn remove(&self, ids: &[Uuid]) -> Result<(), SearchError> {
        let mut w = self.writer()?;
        for id in ids {
            w.delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
        }
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Empties the index (before a rebuild).
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut w = self.writer()?;
        w.delete_all_documents()?;
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record ids matching every word of `query` (title weighted twice), best first, among
    /// `offices` (`None`: every office).
    pub fn search(
        &self,
        offices: Option<&[Uuid]>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Uuid>, SearchError> {
        let mut parser =
            QueryParser::for_index(&self.index, vec![self.fields.title, self.fields.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(self.fields.title, 2.0);
        let (text_query, _errors) = parser.parse_query_lenient(&nfc(query));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query)];
        if let Some(offices) = offices {
            let any: Vec<(Occur, Box<dyn Query>)> = offices
                .iter()
                .map(|o| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(self.fields.office, &o.to_string()),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            if any.is_empty() {
                return Ok(Vec::new());
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (_score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
            {
                out.push(id);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: u128, office: u128, title: &str, body: &str) -> IndexedRecord {
        IndexedRecord {
            id: Uuid::from_u128(n),
            office: Uuid::from_u128(office),
            title: title.into(),
            body: body.into(),
        }
    }

    #[test]
    fn accent_insensitive_and_office_scoped() {
        let idx = SearchIndex::in_memory().expect("index");
        idx.put(&[
            rec(1, 10, "Hồ sơ đăng ký khai sinh", "Phường Hoàn Kiếm"),
            rec(2, 10, "Quyết định phê duyệt", "kế hoạch năm 2026"),
            rec(
                3,
                20,
                "Décision préfectorale",
                "arrêté du préfet de la Gironde",
            ),
            // Decomposed (NFD) input folds like the precomposed form.
            rec(4, 20, "Ho\u{0302}\u{0300} so\u{031b} NFD", ""),
        ])
        .expect("put");
        let mut got = idx.search(None, "ho so", 10).expect("q");
        got.sort();
        assert_eq!(got, vec![Uuid::from_u128(1), Uuid::from_u128(4)]);
        assert_eq!(
            idx.search(None, "dang ky", 10).expect("q"),
            vec![Uuid::from_u128(1)]
        );
        assert_eq!(
            idx.search(None, "HOAN KIEM", 10).expect("q"),
            vec![Uuid::from_u128(1)]
        );
        assert_eq!(
            idx.search(None, "decision prefet", 10).expect("q"),
            vec![Uuid::from_u128(3)]
        );
        assert_eq!(
            idx.search(None, "arrete", 10).expect("q"),
            vec![Uuid::from_u128(3)]
        );
        let only_10 = [Uuid::from_u128(10)];
        assert!(
            idx.search(Some(&only_10), "decision", 10)
                .expect("q")
                .is_empty()
        );
        assert_eq!(
            idx.search(Some(&only_10), "ho so", 10).expect("q"),
            vec![Uuid::from_u128(1)]
        );
        idx.remove(&[Uuid::from_u128(1)]).expect("remove");
        assert!(
            idx.search(Some(&only_10), "khai sinh", 10)
                .expect("q")
                .is_empty()
        );
        // Lenient parsing: stray syntax is not an error.
        assert!(idx.search(None, "\"unbalanced (", 10).is_ok());
    }
}
