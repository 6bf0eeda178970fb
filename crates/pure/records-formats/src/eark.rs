//! E-ARK CSIP/SIP packages (Common Specification for Information Packages 2.x): a root
//! `METS.xml` with its header, the package description as descriptive metadata, one
//! representation with the records' content, every file with its SHA-256, and the `CSIP`
//! structural map.
//!
//! Layout: `{id}/METS.xml`, `{id}/metadata/descriptive/records.json` (guichet's package
//! description), `{id}/representations/rep1/data/content/{record}/{name}`.

use crate::PackageError;
use crate::hashing::{copy_hashing, sha256_file};
use crate::package::{ContentSource, FORMAT, Package};
use crate::xml::{Element, Writer, parse};
use std::io::Write as _;
use std::path::Path;
use time::format_description::well_known::Rfc3339;

const PROFILE: &str = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml";
const DESCRIPTION: &str = "metadata/descriptive/records.json";
const SCHEMA_PATH: &str = "schemas/records.schema.json";
/// JSON Schema of records.json, shipped in the package's Schemas file group.
const RECORDS_SCHEMA: &str = include_str!("records.schema.json");

struct Entry {
    id: String,
    href: String,
    mime: String,
    size: u64,
    sha256: String,
}

fn file_element(w: &mut Writer, e: &Entry, created: &str) {
    let size = e.size.to_string();
    w.open(
        "mets:file",
        &[
            ("ID", &e.id),
            ("MIMETYPE", &e.mime),
            ("SIZE", &size),
            ("CREATED", created),
            ("CHECKSUM", &e.sha256.to_ascii_uppercase()),
            ("CHECKSUMTYPE", "SHA-256"),
        ],
    );
    w.leaf(
        "mets:FLocat",
        &[
            ("LOCTYPE", "URL"),
            ("xlink:type", "simple"),
            ("xlink:href", &e.href),
        ],
        "",
    );
    w.close();
}

/// Writes the package into `root/{package id}` and returns that directory.
pub fn write_sip(
    root: &Path,
    package: &Package,
    open: &mut ContentSource<'_>,
) -> Result<std::path::PathBuf, PackageError> {
    let objid = format!("uuid-{}", package.id);
    let dir = root.join(&objid);
    let created = package.created_at.format(&Rfc3339).unwrap_or_default();
    let mut entries = Vec::new();
    for r in &package.records {
        let (Some(c), Some(rel)) = (&r.content, r.content_path()) else {
            continue;
        };
        let href = format!("representations/rep1/data/{rel}");
        let path = dir.join(&href);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| PackageError::io(d, e))?;
        }
        let reader = open(r).map_err(|e| PackageError::io(&path, e))?;
        let file = std::fs::File::create(&path).map_err(|e| PackageError::io(&path, e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let (sha, size) = copy_hashing(reader, &mut out).map_err(|e| PackageError::io(&path, e))?;
        out.flush().map_err(|e| PackageError::io(&path, e))?;
        if sha != c.sha256 || size != c.size {
            return Err(PackageError::Invalid(format!(
                "record {}: content read has SHA-256 {sha}, the record says {}",
                r.id, c.sha256
            )));
        }
        entries.push(Entry {
            id: format!("file-{}", r.id.simple()),
            href,
            mime: c.content_type.clone(),
            size,
            sha256: sha,
        });
    }
    let desc_path = dir.join(DESCRIPTION);
    if let Some(d) = desc_path.parent() {
        std::fs::create_dir_all(d).map_err(|e| PackageError::io(d, e))?;
    }
    let json = serde_json::to_vec_pretty(package)
        .map_err(|e| PackageError::Invalid(format!("records.json: {e}")))?;
    std::fs::write(&desc_path, &json).map_err(|e| PackageError::io(&desc_path, e))?;
    let desc_sha = crate::hashing::sha256_bytes(&json);
    let doc_text = format!(
        "guichet records package {}\n\nOffice: {} ({})\nRecords: {}\n\nmetadata/descriptive/records.json describes the file plan classes, archival files and records ({FORMAT}).\nrepresentations/rep1/data/content/<record id>/<name> holds each record's content; METS.xml lists each file with its SHA-256.\n",
        package.id,
        package.office.name,
        package.office.identifier,
        package.records.len()
    );
    let doc_path = dir.join("documentation/README.txt");
    if let Some(d) = doc_path.parent() {
        std::fs::create_dir_all(d).map_err(|e| PackageError::io(d, e))?;
    }
    std::fs::write(&doc_path, &doc_text).map_err(|e| PackageError::io(&doc_path, e))?;
    let schema_path = dir.join(SCHEMA_PATH);
    if let Some(d) = schema_path.parent() {
        std::fs::create_dir_all(d).map_err(|e| PackageError::io(d, e))?;
    }
    std::fs::write(&schema_path, RECORDS_SCHEMA).map_err(|e| PackageError::io(&schema_path, e))?;
    let schema_entry = Entry {
        id: "file-schema".into(),
        href: SCHEMA_PATH.into(),
        mime: "application/json".into(),
        size: RECORDS_SCHEMA.len() as u64,
        sha256: crate::hashing::sha256_bytes(RECORDS_SCHEMA.as_bytes()),
    };
    let documentation = Entry {
        id: "file-documentation".into(),
        href: "documentation/README.txt".into(),
        mime: "text/plain".into(),
        size: doc_text.len() as u64,
        sha256: crate::hashing::sha256_bytes(doc_text.as_bytes()),
    };
    let desc_size = json.len().to_string();

    let mut w = Writer::new();
    w.open(
        "mets:mets",
        &[
            ("xmlns:mets", "http://www.loc.gov/METS/"),
            ("xmlns:csip", "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"),
            ("xmlns:sip", "https://DILCIS.eu/XML/METS/SIPExtensionMETS"),
            ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd https://DILCIS.eu/XML/METS/CSIPExtensionMETS https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd https://DILCIS.eu/XML/METS/SIPExtensionMETS https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd",
            ),
            ("OBJID", &objid),
            ("LABEL", &format!("{}: records", package.office.name)),
            ("TYPE", "Mixed"),
            ("csip:CONTENTINFORMATIONTYPE", "MIXED"),
            ("PROFILE", PROFILE),
        ],
    );
    w.open(
        "mets:metsHdr",
        &[
            ("CREATEDATE", &created),
            ("RECORDSTATUS", "NEW"),
            ("csip:OAISPACKAGETYPE", "SIP"),
        ],
    );
    w.open(
        "mets:agent",
        &[
            ("ROLE", "CREATOR"),
            ("TYPE", "OTHER"),
            ("OTHERTYPE", "SOFTWARE"),
        ],
    );
    w.leaf("mets:name", &[], "guichet");
    w.leaf(
        "mets:note",
        &[("csip:NOTETYPE", "SOFTWARE VERSION")],
        env!("CARGO_PKG_VERSION"),
    );
    w.close();
    w.open(
        "mets:agent",
        &[("ROLE", "ARCHIVIST"), ("TYPE", "ORGANIZATION")],
    );
    w.leaf("mets:name", &[], &package.office.name);
    w.leaf(
        "mets:note",
        &[("csip:NOTETYPE", "IDENTIFICATIONCODE")],
        &package.office.identifier,
    );
    w.close();
    w.open(
        "mets:agent",
        &[("ROLE", "PRESERVATION"), ("TYPE", "ORGANIZATION")],
    );
    w.leaf("mets:name", &[], &package.archival_agency.name);
    w.leaf(
        "mets:note",
        &[("csip:NOTETYPE", "IDENTIFICATIONCODE")],
        &package.archival_agency.identifier,
    );
    w.close();
    w.close();
    w.open(
        "mets:dmdSec",
        &[
            ("ID", "dmd-records"),
            ("CREATED", &created),
            ("STATUS", "CURRENT"),
        ],
    );
    w.leaf(
        "mets:mdRef",
        &[
            ("LOCTYPE", "URL"),
            ("MDTYPE", "OTHER"),
            ("OTHERMDTYPE", "guichet-records"),
            ("xlink:type", "simple"),
            ("xlink:href", DESCRIPTION),
            ("MIMETYPE", "application/json"),
            ("SIZE", &desc_size),
            ("CREATED", &created),
            ("CHECKSUM", &desc_sha.to_ascii_uppercase()),
            ("CHECKSUMTYPE", "SHA-256"),
        ],
        "",
    );
    w.close();
    w.open("mets:fileSec", &[("ID", "filesec-1")]);
    // Content information type "OTHER" named "guichet-records": the records are a mix of
    // PDFs, scans and messages described by records.json, not one of the CSIP content types.
    let other = [
        ("csip:CONTENTINFORMATIONTYPE", "OTHER"),
        ("csip:OTHERCONTENTINFORMATIONTYPE", "guichet-records"),
    ];
    w.open(
        "mets:fileGrp",
        &[
            &[("ID", "filegrp-documentation"), ("USE", "Documentation")][..],
            &other,
        ]
        .concat(),
    );
    file_element(&mut w, &documentation, &created);
    w.close();
    w.open(
        "mets:fileGrp",
        &[&[("ID", "filegrp-schemas"), ("USE", "Schemas")][..], &other].concat(),
    );
    file_element(&mut w, &schema_entry, &created);
    w.close();
    w.open(
        "mets:fileGrp",
        &[
            &[("ID", "filegrp-rep1"), ("USE", "Representations")][..],
            &other,
        ]
        .concat(),
    );
    for e in &entries {
        file_element(&mut w, e, &created);
    }
    w.close();
    w.close();
    w.open(
        "mets:structMap",
        &[
            ("ID", "structmap-csip"),
            ("TYPE", "PHYSICAL"),
            ("LABEL", "CSIP"),
        ],
    );
    w.open("mets:div", &[("ID", "div-root"), ("LABEL", &objid)]);
    w.leaf(
        "mets:div",
        &[
            ("ID", "div-metadata"),
            ("LABEL", "Metadata"),
            ("DMDID", "dmd-records"),
        ],
        "",
    );
    w.open(
        "mets:div",
        &[("ID", "div-documentation"), ("LABEL", "Documentation")],
    );
    w.leaf("mets:fptr", &[("FILEID", "filegrp-documentation")], "");
    w.close();
    w.open("mets:div", &[("ID", "div-schemas"), ("LABEL", "Schemas")]);
    w.leaf("mets:fptr", &[("FILEID", "filegrp-schemas")], "");
    w.close();
    w.open(
        "mets:div",
        &[("ID", "div-representations"), ("LABEL", "Representations")],
    );
    w.leaf("mets:fptr", &[("FILEID", "filegrp-rep1")], "");
    w.close();
    w.close();
    w.close();
    let mets = w.finish();
    let mets_path = dir.join("METS.xml");
    std::fs::write(&mets_path, mets).map_err(|e| PackageError::io(&mets_path, e))?;
    Ok(dir)
}

/// Checks a package against the CSIP rules guichet relies on: the root METS attributes
/// (OBJID, TYPE, CONTENTINFORMATIONTYPE, PROFILE), the header (CREATEDATE, OAISPACKAGETYPE,
/// a software CREATOR agent), descriptive metadata referenced with its checksum, every file
/// present with its SHA-256 and size, every payload file listed, and the `CSIP` physical
/// structural map pointing at each file group. Returns the problems found.
pub fn check(dir: &Path) -> Result<Vec<String>, PackageError> {
    let mets_path = dir.join("METS.xml");
    let xml = std::fs::read_to_string(&mets_path).map_err(|e| PackageError::io(&mets_path, e))?;
    let mets = parse(&xml)?;
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    need(mets.name == "mets", "CSIP: the root element is not mets");
    for attr in ["OBJID", "TYPE", "CONTENTINFORMATIONTYPE", "PROFILE"] {
        need(
            mets.attr(attr).is_some_and(|v| !v.is_empty()),
            &format!("CSIP: mets/@{attr} is missing"),
        );
    }
    let hdr = mets.child("metsHdr");
    need(
        hdr.and_then(|h| h.attr("CREATEDATE")).is_some(),
        "CSIP: metsHdr/@CREATEDATE is missing",
    );
    need(
        hdr.and_then(|h| h.attr("OAISPACKAGETYPE")).is_some(),
        "CSIP: metsHdr/@csip:OAISPACKAGETYPE is missing",
    );
    need(
        hdr.is_some_and(|h| {
            h.children_named("agent").any(|a| {
                a.attr("ROLE") == Some("CREATOR")
                    && a.attr("TYPE") == Some("OTHER")
                    && a.attr("OTHERTYPE") == Some("SOFTWARE")
            })
        }),
        "CSIP: no software CREATOR agent in metsHdr",
    );
    let check_ref = |el: &Element, href_of: &dyn Fn(&Element) -> Option<String>| -> Vec<String> {
        let mut out = Vec::new();
        let Some(href) = href_of(el) else {
            out.push("CSIP: a file has no xlink:href".to_owned());
            return out;
        };
        let path = dir.join(&href);
        match sha256_file(&path) {
            Ok((sha, size)) => {
                if el.attr("CHECKSUMTYPE") != Some("SHA-256")
                    || !el
                        .attr("CHECKSUM")
                        .is_some_and(|c| c.eq_ignore_ascii_case(&sha))
                {
                    out.push(format!("CSIP: {href}: checksum does not match"));
                }
                if el.attr("SIZE") != Some(size.to_string().as_str()) {
                    out.push(format!("CSIP: {href}: SIZE does not match"));
                }
            }
            Err(_) => out.push(format!("CSIP: {href} is referenced but missing")),
        }
        out
    };
    let dmd: Vec<&Element> = mets.children_named("dmdSec").collect();
    need(!dmd.is_empty(), "CSIP: no dmdSec");
    let mut found = Vec::new();
    for d in &dmd {
        if let Some(r) = d.child("mdRef") {
            found.extend(check_ref(r, &|e| e.attr("href").map(str::to_owned)));
        }
    }
    let mut listed = std::collections::BTreeSet::new();
    let mut groups = Vec::new();
    if let Some(fs) = mets.child("fileSec") {
        for g in fs.children_named("fileGrp") {
            groups.push(g.attr("ID").unwrap_or("").to_owned());
            for f in g.children_named("file") {
                let href = f
                    .child("FLocat")
                    .and_then(|l| l.attr("href"))
                    .map(str::to_owned);
                if let Some(h) = &href {
                    listed.insert(h.clone());
                }
                found.extend(check_ref(f, &|_| href.clone()));
            }
        }
    } else {
        found.push("CSIP: no fileSec".to_owned());
    }
    problems.extend(found);
    for sub in ["representations", "documentation", "schemas"] {
        let sub = dir.join(sub);
        if !sub.is_dir() {
            continue;
        }
        for p in crate::package::files_under(dir, &sub)? {
            if !listed.contains(&p) {
                problems.push(format!(
                    "CSIP: {p} is in the package but not in the fileSec"
                ));
            }
        }
    }
    let csip_map = mets
        .children_named("structMap")
        .find(|s| s.attr("LABEL") == Some("CSIP") && s.attr("TYPE") == Some("PHYSICAL"));
    match csip_map {
        None => problems.push("CSIP: no PHYSICAL structMap labelled CSIP".to_owned()),
        Some(map) => {
            let mut pointers = Vec::new();
            fn fptrs(el: &Element, out: &mut Vec<String>) {
                for c in &el.children {
                    if c.name == "fptr" {
                        out.push(c.attr("FILEID").unwrap_or("").to_owned());
                    }
                    fptrs(c, out);
                }
            }
            fptrs(map, &mut pointers);
            for g in groups {
                if !pointers.contains(&g) {
                    problems.push(format!("CSIP: file group {g} is not in the structMap"));
                }
            }
        }
    }
    Ok(problems)
}

/// Reads the package description back from a SIP written by [`write_sip`], after [`check`].
pub fn read_sip(dir: &Path) -> Result<Package, PackageError> {
    let problems = check(dir)?;
    if !problems.is_empty() {
        return Err(PackageError::Invalid(problems.join("; ")));
    }
    let path = dir.join(DESCRIPTION);
    let bytes = std::fs::read(&path).map_err(|e| PackageError::io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| PackageError::Invalid(format!("records.json: {e}")))
}

/// Where a record's content lies inside a SIP written by [`write_sip`].
pub fn content_dir(dir: &Path) -> std::path::PathBuf {
    dir.join("representations/rep1/data")
}
