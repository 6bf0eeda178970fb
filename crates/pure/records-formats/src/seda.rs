//! SEDA 2.2 transfers (standard d'échange de données pour l'archivage): an `ArchiveTransfer`
//! message (`manifest.xml`) beside the content (`content/{id}/{name}`), as a Vitam SIP is laid
//! out; and the reader that imports such a transfer back.
//!
//! Mapping (see docs/records.md for the full table): an archival file is an `ArchiveUnit` of
//! level `File` with its class's appraisal rule; a record is an `ArchiveUnit` of level `Item`
//! (Title = summary/trích yếu, OriginatingAgencyArchiveUnitIdentifier = number and symbol,
//! DocumentType, Language, Sender = issuing body, Writer = signer, Addressee = recipients,
//! CreatedDate = document date); what SEDA has no element for (register, urgency,
//! confidentiality, capture source) travels as `Tag`s `guichet:key=value`.

use crate::PackageError;
use crate::hashing::{copy_hashing, sha256_file};
use crate::package::{
    Agency, ClassMeta, ContentMeta, ContentSource, FORMAT, FileMeta, Package, RecordMeta,
};
use crate::xml::{Element, Writer, parse};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub const NAMESPACE: &str = "fr:gouv:culture:archivesdefrance:seda:v2.2";
pub const MANIFEST: &str = "manifest.xml";
const DIGEST_ALGORITHM: &str = "SHA-256";

const CODE_LISTS: &[&str] = &[
    "ReplyCodeListVersion",
    "MessageDigestAlgorithmCodeListVersion",
    "MimeTypeCodeListVersion",
    "EncodingCodeListVersion",
    "FileFormatCodeListVersion",
    "CompressionAlgorithmCodeListVersion",
    "DataObjectVersionCodeListVersion",
    "StorageRuleCodeListVersion",
    "AppraisalRuleCodeListVersion",
    "AccessRuleCodeListVersion",
    "DisseminationRuleCodeListVersion",
    "ReuseRuleCodeListVersion",
    "ClassificationRuleCodeListVersion",
    "AuthorizationReasonCodeListVersion",
    "RelationshipCodeListVersion",
];

fn day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn simple(id: Uuid) -> String {
    id.simple().to_string()
}

fn tag(w: &mut Writer, key: &str, value: &str) {
    if !value.is_empty() {
        w.leaf("Tag", &[], &format!("guichet:{key}={value}"));
    }
}

fn agent(w: &mut Writer, element: &str, name: &str) {
    if !name.trim().is_empty() {
        w.open(element, &[]);
        w.leaf("FullName", &[], name);
        w.close();
    }
}

fn record_unit(w: &mut Writer, r: &RecordMeta, children: &HashMap<Option<Uuid>, Vec<&RecordMeta>>) {
    w.open("ArchiveUnit", &[("id", &format!("AU_{}", simple(r.id)))]);
    w.open("Content", &[]);
    w.leaf("DescriptionLevel", &[], "Item");
    w.leaf(
        "Title",
        &[],
        if r.title.trim().is_empty() {
            "-"
        } else {
            &r.title
        },
    );
    w.leaf("SystemId", &[], &r.id.to_string());
    if let Some(n) = r.number {
        w.leaf(
            "OriginatingAgencyArchiveUnitIdentifier",
            &[],
            &crate::meta::number_and_symbol(n, &r.symbol),
        );
    }
    w.opt("DocumentType", &r.doc_type);
    w.opt("Language", &r.lang);
    tag(w, "register", r.register.as_deref().unwrap_or(""));
    tag(
        w,
        "year",
        &r.year.map(|y| y.to_string()).unwrap_or_default(),
    );
    tag(
        w,
        "number",
        &r.number.map(|y| y.to_string()).unwrap_or_default(),
    );
    tag(w, "symbol", &r.symbol);
    tag(w, "urgency", &r.urgency);
    tag(w, "confidentiality", &r.confidentiality);
    tag(w, "source", &r.source);
    tag(w, "dossier", r.dossier_code.as_deref().unwrap_or(""));
    tag(
        w,
        "parent",
        &r.parent_id.map(|p| p.to_string()).unwrap_or_default(),
    );
    tag(
        w,
        "created",
        &r.created_at.format(&Rfc3339).unwrap_or_default(),
    );
    tag(w, "due", &r.due_on.map(day).unwrap_or_default());
    agent(w, "Writer", &r.signer);
    agent(w, "Addressee", &r.recipients);
    agent(w, "Sender", &r.issuer);
    w.leaf("CreatedDate", &[], &day(r.doc_date));
    w.close();
    for child in children.get(&Some(r.id)).into_iter().flatten() {
        record_unit(w, child, children);
    }
    if r.content.is_some() {
        w.open("DataObjectReference", &[]);
        w.leaf(
            "DataObjectGroupReferenceId",
            &[],
            &format!("GRP_{}", simple(r.id)),
        );
        w.close();
    }
    w.close();
}

/// The `ArchiveTransfer` message for `package`, whose content lies at
/// [`RecordMeta::content_path`] (digests are the package's, checked by [`write_transfer`]).
pub fn manifest(package: &Package) -> String {
    let mut w = Writer::new();
    w.open(
        "ArchiveTransfer",
        &[
            ("xmlns", NAMESPACE),
            ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
        ],
    );
    w.leaf(
        "Comment",
        &[],
        &format!("{FORMAT}: {} ({})", package.office.name, package.country),
    );
    w.leaf(
        "Comment",
        &[],
        &format!(
            "guichet:archival-agency-name={}",
            package.archival_agency.name
        ),
    );
    w.leaf(
        "Date",
        &[],
        &package.created_at.format(&Rfc3339).unwrap_or_default(),
    );
    w.leaf("MessageIdentifier", &[], &package.id.to_string());
    w.leaf("ArchivalAgreement", &[], "guichet");
    w.open("CodeListVersions", &[]);
    for list in CODE_LISTS {
        w.leaf(list, &[], &format!("{list}0"));
    }
    w.close();
    w.open("DataObjectPackage", &[]);
    for r in &package.records {
        let (Some(c), Some(path)) = (&r.content, r.content_path()) else {
            continue;
        };
        w.open(
            "DataObjectGroup",
            &[("id", &format!("GRP_{}", simple(r.id)))],
        );
        w.open(
            "BinaryDataObject",
            &[("id", &format!("BDO_{}", simple(r.id)))],
        );
        w.leaf("DataObjectVersion", &[], "BinaryMaster_1");
        w.leaf("Uri", &[], &path);
        w.leaf(
            "MessageDigest",
            &[("algorithm", DIGEST_ALGORITHM)],
            &c.sha256,
        );
        w.leaf("Size", &[], &c.size.to_string());
        w.open("FormatIdentification", &[]);
        w.leaf("MimeType", &[], &c.content_type);
        w.close();
        w.open("FileInfo", &[]);
        w.leaf("Filename", &[], &c.name);
        w.close();
        w.close();
        w.close();
    }
    w.open("DescriptiveMetadata", &[]);
    let classes: HashMap<Uuid, &ClassMeta> = package.classes.iter().map(|c| (c.id, c)).collect();
    let mut by_parent: HashMap<Option<Uuid>, Vec<&RecordMeta>> = HashMap::new();
    let mut by_file: HashMap<Option<Uuid>, Vec<&RecordMeta>> = HashMap::new();
    for r in &package.records {
        if r.parent_id.is_some() {
            by_parent.entry(r.parent_id).or_default().push(r);
        } else {
            by_file.entry(r.file_id).or_default().push(r);
        }
    }
    for f in &package.files {
        let class = f.class_id.and_then(|c| classes.get(&c));
        w.open("ArchiveUnit", &[("id", &format!("AU_{}", simple(f.id)))]);
        if let Some(class) = class {
            w.open("Management", &[]);
            w.open("AppraisalRule", &[]);
            w.leaf(
                "Rule",
                &[],
                &match class.retention_years {
                    Some(y) => format!("APP-{y}Y"),
                    None => "APP-PERMANENT".to_owned(),
                },
            );
            if let Some(closed) = f.closed_on {
                w.leaf("StartDate", &[], &day(closed));
            }
            w.leaf(
                "FinalAction",
                &[],
                crate::retention::FinalAction::parse(&class.final_action)
                    .map_or("Keep", |a| a.seda()),
            );
            w.close();
            w.close();
        }
        w.open("Content", &[]);
        w.leaf("DescriptionLevel", &[], "File");
        w.leaf("Title", &[], &f.title);
        if let Some(class) = class {
            w.leaf("FilePlanPosition", &[], &class.code);
        }
        w.leaf("SystemId", &[], &f.id.to_string());
        w.leaf("OriginatingAgencyArchiveUnitIdentifier", &[], &f.reference);
        tag(&mut w, "opened", &day(f.opened_on));
        tag(&mut w, "closed", &f.closed_on.map(day).unwrap_or_default());
        tag(&mut w, "due", &f.due_on.map(day).unwrap_or_default());
        tag(&mut w, "dossier", f.dossier_code.as_deref().unwrap_or(""));
        if let Some(class) = class {
            tag(&mut w, "class-id", &class.id.to_string());
            tag(&mut w, "class-title", &class.title);
            tag(
                &mut w,
                "retention",
                &class
                    .retention_years
                    .map_or("permanent".to_owned(), |y| y.to_string()),
            );
            tag(&mut w, "final-action", &class.final_action);
            tag(&mut w, "trigger", &class.trigger);
            tag(&mut w, "legal-reference", &class.legal_reference);
        }
        w.leaf("StartDate", &[], &day(f.opened_on));
        if let Some(closed) = f.closed_on {
            w.leaf("EndDate", &[], &day(closed));
        }
        w.close();
        for r in by_file.get(&Some(f.id)).into_iter().flatten() {
            record_unit(&mut w, r, &by_parent);
        }
        w.close();
    }
    for r in by_file.get(&None).into_iter().flatten() {
        record_unit(&mut w, r, &by_parent);
    }
    w.close();
    w.open("ManagementMetadata", &[]);
    w.leaf("AcquisitionInformation", &[], "Versement");
    w.leaf("LegalStatus", &[], "Public Archive");
    w.leaf(
        "OriginatingAgencyIdentifier",
        &[],
        &package.office.identifier,
    );
    w.leaf(
        "SubmissionAgencyIdentifier",
        &[],
        &package.office.identifier,
    );
    w.close();
    w.close();
    w.open("ArchivalAgency", &[]);
    w.leaf("Identifier", &[], &package.archival_agency.identifier);
    w.close();
    w.open("TransferringAgency", &[]);
    w.leaf("Identifier", &[], &package.office.identifier);
    w.close();
    w.finish()
}

/// Writes a transfer directory: `manifest.xml` and the content. The bytes written must match
/// each record's stated digest and size.
pub fn write_transfer(
    root: &Path,
    package: &Package,
    open: &mut ContentSource<'_>,
) -> Result<u64, PackageError> {
    std::fs::create_dir_all(root).map_err(|e| PackageError::io(root, e))?;
    let mut bytes = 0;
    for r in &package.records {
        let (Some(c), Some(rel)) = (&r.content, r.content_path()) else {
            continue;
        };
        let path = root.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| PackageError::io(dir, e))?;
        }
        let reader = open(r).map_err(|e| PackageError::io(&path, e))?;
        let file = std::fs::File::create(&path).map_err(|e| PackageError::io(&path, e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let (sha, size) = copy_hashing(reader, &mut out).map_err(|e| PackageError::io(&path, e))?;
        out.flush().map_err(|e| PackageError::io(&path, e))?;
        if sha != c.sha256 || size != c.size {
            return Err(PackageError::Invalid(format!(
                "record {}: content read has SHA-256 {sha} ({size} bytes), the record says {} ({} bytes)",
                r.id, c.sha256, c.size
            )));
        }
        bytes += size;
    }
    let path = root.join(MANIFEST);
    std::fs::write(&path, manifest(package)).map_err(|e| PackageError::io(&path, e))?;
    Ok(bytes)
}

fn tags(content: &Element) -> HashMap<String, String> {
    content
        .children_named("Tag")
        .filter_map(|t| t.text.strip_prefix("guichet:"))
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn parse_day(s: &str, what: &str) -> Result<Date, PackageError> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| PackageError::Invalid(format!("{what}: {s:?} is not a date")))
}

fn opt_day(s: Option<&String>, what: &str) -> Result<Option<Date>, PackageError> {
    s.filter(|s| !s.is_empty())
        .map(|s| parse_day(s, what))
        .transpose()
}

fn uuid_of(s: &str, what: &str) -> Result<Uuid, PackageError> {
    s.parse()
        .map_err(|_| PackageError::Invalid(format!("{what}: {s:?} is not a UUID")))
}

fn full_name(content: &Element, element: &str) -> String {
    content
        .child(element)
        .and_then(|a| a.text_of("FullName"))
        .unwrap_or("")
        .to_owned()
}

struct Reader {
    objects: HashMap<String, ContentMeta>,
    package: Package,
}

impl Reader {
    fn unit(
        &mut self,
        unit: &Element,
        file: Option<Uuid>,
        parent: Option<Uuid>,
    ) -> Result<(), PackageError> {
        let content = unit
            .child("Content")
            .ok_or_else(|| PackageError::Invalid("an ArchiveUnit has no Content".into()))?;
        let system_id = content
            .text_of("SystemId")
            .ok_or_else(|| PackageError::Invalid("an ArchiveUnit has no SystemId".into()))?;
        let id = uuid_of(system_id, "SystemId")?;
        let t = tags(content);
        match content.text_of("DescriptionLevel") {
            Some("File") => {
                let class_id = t
                    .get("class-id")
                    .map(|s| uuid_of(s, "guichet:class-id"))
                    .transpose()?;
                if let Some(cid) = class_id
                    && !self.package.classes.iter().any(|c| c.id == cid)
                {
                    self.package.classes.push(ClassMeta {
                        id: cid,
                        code: content.text_of("FilePlanPosition").unwrap_or("").to_owned(),
                        title: t.get("class-title").cloned().unwrap_or_default(),
                        retention_years: match t.get("retention").map(String::as_str) {
                            None | Some("permanent") => None,
                            Some(y) => Some(y.parse().map_err(|_| {
                                PackageError::Invalid(format!("guichet:retention={y}"))
                            })?),
                        },
                        final_action: t.get("final-action").cloned().unwrap_or_default(),
                        trigger: t.get("trigger").cloned().unwrap_or_default(),
                        legal_reference: t.get("legal-reference").cloned().unwrap_or_default(),
                    });
                }
                self.package.files.push(FileMeta {
                    id,
                    reference: content
                        .text_of("OriginatingAgencyArchiveUnitIdentifier")
                        .unwrap_or("")
                        .to_owned(),
                    title: content.text_of("Title").unwrap_or("").to_owned(),
                    class_id,
                    opened_on: parse_day(
                        t.get("opened").map(String::as_str).unwrap_or(""),
                        "guichet:opened",
                    )?,
                    closed_on: opt_day(t.get("closed"), "guichet:closed")?,
                    due_on: opt_day(t.get("due"), "guichet:due")?,
                    dossier_code: t.get("dossier").cloned(),
                });
                for child in unit.children_named("ArchiveUnit") {
                    self.unit(child, Some(id), None)?;
                }
            }
            _ => {
                let group = unit
                    .child("DataObjectReference")
                    .and_then(|r| r.text_of("DataObjectGroupReferenceId"));
                let content_meta = match group {
                    Some(g) => Some(self.objects.remove(g).ok_or_else(|| {
                        PackageError::Invalid(format!("DataObjectGroup {g} is not in the package"))
                    })?),
                    None => None,
                };
                let num = |k: &str| -> Result<Option<i64>, PackageError> {
                    t.get(k)
                        .map(|s| {
                            s.parse()
                                .map_err(|_| PackageError::Invalid(format!("guichet:{k}={s}")))
                        })
                        .transpose()
                };
                let created = t
                    .get("created")
                    .map(|s| {
                        OffsetDateTime::parse(s, &Rfc3339)
                            .map_err(|_| PackageError::Invalid(format!("guichet:created={s}")))
                    })
                    .transpose()?
                    .unwrap_or(self.package.created_at);
                self.package.records.push(RecordMeta {
                    id,
                    file_id: file,
                    parent_id: parent,
                    register: t.get("register").cloned(),
                    year: num("year")?,
                    number: num("number")?,
                    symbol: t.get("symbol").cloned().unwrap_or_default(),
                    doc_type: content.text_of("DocumentType").unwrap_or("").to_owned(),
                    title: content.text_of("Title").unwrap_or("").to_owned(),
                    doc_date: parse_day(
                        content.text_of("CreatedDate").unwrap_or(""),
                        "CreatedDate",
                    )?,
                    issuer: full_name(content, "Sender"),
                    signer: full_name(content, "Writer"),
                    recipients: full_name(content, "Addressee"),
                    urgency: t.get("urgency").cloned().unwrap_or_else(|| "normal".into()),
                    confidentiality: t
                        .get("confidentiality")
                        .cloned()
                        .unwrap_or_else(|| "normal".into()),
                    lang: content.text_of("Language").unwrap_or("").to_owned(),
                    source: t.get("source").cloned().unwrap_or_else(|| "import".into()),
                    dossier_code: t.get("dossier").cloned(),
                    created_at: created,
                    due_on: opt_day(t.get("due"), "guichet:due")?,
                    content: content_meta,
                });
                for child in unit.children_named("ArchiveUnit") {
                    self.unit(child, file, Some(id))?;
                }
            }
        }
        Ok(())
    }
}

/// Reads a transfer directory written by [`write_transfer`] (or by another system using the
/// same mapping): every binary object's digest and size is checked against the file.
pub fn read_transfer(root: &Path) -> Result<Package, PackageError> {
    let path = root.join(MANIFEST);
    let xml = std::fs::read_to_string(&path).map_err(|e| PackageError::io(&path, e))?;
    let doc = parse(&xml)?;
    if doc.name != "ArchiveTransfer" {
        return Err(PackageError::Invalid(format!(
            "{MANIFEST}: the root is {}, not ArchiveTransfer",
            doc.name
        )));
    }
    let dop = doc
        .child("DataObjectPackage")
        .ok_or_else(|| PackageError::Invalid("no DataObjectPackage".into()))?;
    let mut objects = HashMap::new();
    for group in dop.children_named("DataObjectGroup") {
        let gid = group.attr("id").unwrap_or("").to_owned();
        let bdo = group
            .child("BinaryDataObject")
            .ok_or_else(|| PackageError::Invalid(format!("group {gid} has no BinaryDataObject")))?;
        let uri = bdo.text_of("Uri").unwrap_or("");
        if uri.contains("..") || uri.starts_with('/') {
            return Err(PackageError::Invalid(format!("unsafe Uri {uri:?}")));
        }
        let digest = bdo.child("MessageDigest");
        if digest.and_then(|d| d.attr("algorithm")) != Some(DIGEST_ALGORITHM) {
            return Err(PackageError::Invalid(format!(
                "{uri}: only SHA-256 digests are read"
            )));
        }
        let want = digest
            .map(|d| d.text.to_ascii_lowercase())
            .unwrap_or_default();
        let file = root.join(uri);
        let (sha, size) = sha256_file(&file).map_err(|e| PackageError::io(&file, e))?;
        if sha != want {
            return Err(PackageError::Invalid(format!(
                "{uri}: SHA-256 is {sha}, the manifest says {want}"
            )));
        }
        if let Some(stated) = bdo.text_of("Size")
            && stated != size.to_string()
        {
            return Err(PackageError::Invalid(format!(
                "{uri}: {size} bytes, the manifest says {stated}"
            )));
        }
        objects.insert(
            gid,
            ContentMeta {
                name: bdo
                    .child("FileInfo")
                    .and_then(|f| f.text_of("Filename"))
                    .unwrap_or("content")
                    .to_owned(),
                content_type: bdo
                    .child("FormatIdentification")
                    .and_then(|f| f.text_of("MimeType"))
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
                size,
                sha256: sha,
            },
        );
    }
    let created_at = OffsetDateTime::parse(doc.text_of("Date").unwrap_or(""), &Rfc3339)
        .map_err(|_| PackageError::Invalid("Date is not an RFC 3339 date-time".into()))?;
    let office_id = doc
        .child("TransferringAgency")
        .and_then(|a| a.text_of("Identifier"))
        .unwrap_or("")
        .to_owned();
    let comment = doc
        .children_named("Comment")
        .map(|c| c.text.as_str())
        .find(|c| c.starts_with(FORMAT))
        .unwrap_or("");
    let (office_name, country) = comment
        .strip_prefix(&format!("{FORMAT}: "))
        .and_then(|c| c.rsplit_once(" ("))
        .map(|(n, c)| (n.to_owned(), c.trim_end_matches(')').to_owned()))
        .unwrap_or_default();
    let mut reader = Reader {
        objects,
        package: Package {
            format: FORMAT.to_owned(),
            id: uuid_of(
                doc.text_of("MessageIdentifier").unwrap_or(""),
                "MessageIdentifier",
            )?,
            created_at,
            office: Agency {
                identifier: office_id,
                name: office_name,
            },
            country,
            archival_agency: Agency {
                identifier: doc
                    .child("ArchivalAgency")
                    .and_then(|a| a.text_of("Identifier"))
                    .unwrap_or("")
                    .to_owned(),
                name: doc
                    .children_named("Comment")
                    .find_map(|c| c.text.strip_prefix("guichet:archival-agency-name="))
                    .unwrap_or("")
                    .to_owned(),
            },
            classes: Vec::new(),
            files: Vec::new(),
            records: Vec::new(),
        },
    };
    let dm = dop
        .child("DescriptiveMetadata")
        .ok_or_else(|| PackageError::Invalid("no DescriptiveMetadata".into()))?;
    for unit in dm.children_named("ArchiveUnit") {
        reader.unit(unit, None, None)?;
    }
    if let Some(left) = reader.objects.keys().next() {
        return Err(PackageError::Invalid(format!(
            "DataObjectGroup {left} is referenced by no ArchiveUnit"
        )));
    }
    Ok(reader.package)
}
