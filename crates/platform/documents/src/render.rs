//! typst as a library: a minimal `World` over in-memory files (the template, the shared
//! `lib.typ`, `data.json` and `qr.svg`) and the fonts compiled into the binary.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use crate::DocumentError;

/// Fonts and the standard library, loaded once and shared by every render.
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

/// One in-memory file of a render: a path (`/main.typ`, `/data.json`, …) and its bytes.
pub struct Input<'a> {
    pub path: &'a str,
    pub bytes: Vec<u8>,
}

impl Renderer {
    /// Loads the embedded fonts (Libertinus Serif, New Computer Modern, DejaVu Sans Mono: all
    /// cover Vietnamese and French).
    pub fn new() -> Self {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Self {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    }

    /// Compiles `/main.typ` among `files` into a PDF. `today` is what `datetime.today()` says.
    pub fn pdf(&self, files: Vec<Input<'_>>, today: time::Date) -> Result<Vec<u8>, DocumentError> {
        let job = Job::new(self, files, today)?;
        let warned = typst::compile::<PagedDocument>(&job);
        let document = warned.output.map_err(|errors| job.error(&errors))?;
        let options = typst_pdf::PdfOptions {
            ident: typst::foundations::Smart::Custom("guichet".into()),
            creator: typst::foundations::Smart::Custom(Some("guichet".into())),
            ..Default::default()
        };
        typst_pdf::pdf(&document, &options).map_err(|errors| job.error(&errors))
    }
}

fn file_id(path: &str) -> Result<FileId, DocumentError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| DocumentError::Internal(format!("bad virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

struct Job<'a> {
    renderer: &'a Renderer,
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    names: HashMap<FileId, String>,
    today: time::Date,
}

impl<'a> Job<'a> {
    fn new(
        renderer: &'a Renderer,
        inputs: Vec<Input<'_>>,
        today: time::Date,
    ) -> Result<Self, DocumentError> {
        let main = file_id("/main.typ")?;
        let mut job = Job {
            renderer,
            main,
            sources: HashMap::new(),
            files: HashMap::new(),
            names: HashMap::new(),
            today,
        };
        for input in inputs {
            let id = file_id(input.path)?;
            job.names
                .insert(id, input.path.trim_start_matches('/').to_owned());
            if input.path.ends_with(".typ") {
                let text = String::from_utf8(input.bytes).map_err(|_| DocumentError::Template {
                    file: input.path.trim_start_matches('/').to_owned(),
                    line: 0,
                    column: 0,
                    message: "the template is not valid UTF-8".into(),
                })?;
                job.sources.insert(id, Source::new(id, text));
            } else {
                job.files.insert(id, Bytes::new(input.bytes));
            }
        }
        Ok(job)
    }

    /// The first error, with its file, line and column (1-based).
    fn error(&self, errors: &[SourceDiagnostic]) -> DocumentError {
        let Some(first) = errors.first() else {
            return DocumentError::Internal("typst failed without a diagnostic".into());
        };
        let mut message = first.message.to_string();
        for hint in &first.hints {
            message.push_str("; hint: ");
            message.push_str(&hint.v);
        }
        let place = first.span.id().and_then(|id| {
            let range = self.range(first.span)?;
            let source = self.sources.get(&id)?;
            let (line, column) = source.lines().byte_to_line_column(range.start)?;
            Some((
                self.names.get(&id).cloned().unwrap_or_default(),
                line + 1,
                column + 1,
            ))
        });
        let (file, line, column) = place.unwrap_or_default();
        DocumentError::Template {
            file,
            line,
            column,
            message,
        }
    }
}

impl World for Job<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.renderer.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.renderer.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources.get(&id).cloned().ok_or_else(|| {
            FileError::NotFound(std::path::PathBuf::from(
                id.get().vpath().get_without_slash(),
            ))
        })
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.files.get(&id) {
            return Ok(bytes.clone());
        }
        if let Some(source) = self.sources.get(&id) {
            return Ok(Bytes::new(source.text().as_bytes().to_vec()));
        }
        Err(FileError::NotFound(std::path::PathBuf::from(
            id.get().vpath().get_without_slash(),
        )))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.renderer.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Datetime::from_ymd(
            self.today.year(),
            u8::from(self.today.month()),
            self.today.day(),
        )
    }
}
