//! Exports: a CSV of activities, and IATI Activity Standard 2.03 XML (an agreement is a
//! parent activity, `hierarchy="1"`; each cooperation activity a child, `hierarchy="2"`),
//! which the tests validate against the IATI activity schema.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use time::{Date, OffsetDateTime};

use crate::model::{Activity, Texts};
use crate::service::AgreementFile;

#[derive(Debug, thiserror::Error)]
#[error("cannot write the export: {0}")]
pub struct ExportError(String);

fn err(e: impl std::fmt::Display) -> ExportError {
    ExportError(e.to_string())
}

/// The title in `lang`, else in any language.
pub fn text_in<'a>(texts: &'a Texts, lang: &str) -> &'a str {
    texts
        .get(lang)
        .or_else(|| texts.values().next())
        .map(String::as_str)
        .unwrap_or_default()
}

/// The participants as `office: women/men` pairs.
pub fn participants_text(a: &Activity) -> String {
    a.participants
        .iter()
        .map(|p| format!("{}: {}/{}", p.office, p.women, p.men))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One row per activity of every agreement; open actions are counted on `today`.
pub fn csv(files: &[AgreementFile], lang: &str, today: Date) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "agreement",
        "agreement_title",
        "activity_id",
        "kind",
        "title",
        "starts_on",
        "ends_on",
        "place",
        "country",
        "women",
        "men",
        "total",
        "participants_by_office",
        "outcomes",
        "open_actions",
        "overdue_actions",
    ])
    .map_err(err)?;
    for f in files {
        for a in &f.activities {
            let actions: Vec<_> = f
                .follow_ups
                .iter()
                .filter(|x| x.activity_id == a.id)
                .collect();
            let open = actions.iter().filter(|x| x.done_on.is_none()).count();
            let overdue = actions.iter().filter(|x| x.is_overdue(today)).count();
            w.write_record([
                f.agreement.code.as_str(),
                text_in(&f.agreement.titles, lang),
                &a.id.to_string(),
                a.kind.code(),
                text_in(&a.titles, lang),
                &a.starts_on.to_string(),
                &a.ends_on.to_string(),
                &a.place,
                &a.country,
                &a.women().to_string(),
                &a.men().to_string(),
                &(a.women() + a.men()).to_string(),
                &participants_text(a),
                &a.outcomes,
                &open.to_string(),
                &overdue.to_string(),
            ])
            .map_err(err)?;
        }
    }
    w.into_inner().map_err(err)
}

/// DAC 5-digit sector codes (OECD CRS purpose codes) for the fields of cooperation.
fn dac_sector(field: &str) -> &'static str {
    match field {
        "gender_equality" => "15170", // Women's rights organisations and movements, and government institutions
        "labour_and_employment" => "16020", // Employment creation
        "local_government" => "15112", // Decentralisation and support to subnational government
        "records_and_data" | "digital_government" => "15110", // Public sector policy and administrative management
        _ => "15110",
    }
}

/// IATI activity-status: 1 pipeline, 2 implementation, 3 finalisation (ended, actions still
/// open), 4 closed.
fn status(starts_on: Date, ends_on: Date, open_actions: bool, today: Date) -> &'static str {
    if today < starts_on {
        "1"
    } else if today <= ends_on {
        "2"
    } else if open_actions {
        "3"
    } else {
        "4"
    }
}

struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<(), ExportError> {
        let mut e = BytesStart::new(name);
        for (k, v) in attrs {
            e.push_attribute((*k, *v));
        }
        self.w.write_event(Event::Start(e)).map_err(err)
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<(), ExportError> {
        let mut e = BytesStart::new(name);
        for (k, v) in attrs {
            e.push_attribute((*k, *v));
        }
        self.w.write_event(Event::Empty(e)).map_err(err)
    }

    fn close(&mut self, name: &str) -> Result<(), ExportError> {
        self.w
            .write_event(Event::End(BytesEnd::new(name)))
            .map_err(err)
    }

    fn narrative(&mut self, lang: Option<&str>, text: &str) -> Result<(), ExportError> {
        match lang {
            Some(l) => self.open("narrative", &[("xml:lang", l)])?,
            None => self.open("narrative", &[])?,
        }
        self.w
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(err)?;
        self.close("narrative")
    }

    fn texts(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        texts: &Texts,
    ) -> Result<(), ExportError> {
        self.open(name, attrs)?;
        for (lang, text) in texts {
            self.narrative(Some(lang), text)?;
        }
        self.close(name)
    }

    /// An element holding text itself (not narratives).
    fn plain(&mut self, name: &str, text: &str) -> Result<(), ExportError> {
        self.open(name, &[])?;
        self.w
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(err)?;
        self.close(name)
    }

    fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Result<(), ExportError> {
        self.open(name, attrs)?;
        self.narrative(None, text)?;
        self.close(name)
    }

    /// Planned dates ahead of `today`, actual ones behind it.
    fn dates(&mut self, starts_on: Date, ends_on: Date, today: Date) -> Result<(), ExportError> {
        let start = starts_on.to_string();
        let end = ends_on.to_string();
        self.empty(
            "activity-date",
            &[
                ("iso-date", &start),
                ("type", if starts_on <= today { "2" } else { "1" }),
            ],
        )?;
        self.empty(
            "activity-date",
            &[
                ("iso-date", &end),
                ("type", if ends_on <= today { "4" } else { "3" }),
            ],
        )
    }
}

/// The IATI 2.03 `iati-activities` document of `files`, reported by the organisation
/// `reporting_org` (its IATI organisation identifier), generated at `now`.
pub fn iati(
    files: &[AgreementFile],
    reporting_org: &str,
    reporting_org_name: &str,
    now: OffsetDateTime,
    today: Date,
) -> Result<Vec<u8>, ExportError> {
    let mut x = Xml {
        w: Writer::new_with_indent(Vec::new(), b' ', 1),
    };
    x.w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(err)?;
    let generated = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(err)?;
    x.open(
        "iati-activities",
        &[("version", "2.03"), ("generated-datetime", &generated)],
    )?;
    for f in files {
        let a = &f.agreement;
        let parent_id = format!("{reporting_org}-{}", a.code);
        let any_open = f.follow_ups.iter().any(|x| x.done_on.is_none());
        x.open(
            "iati-activity",
            &[
                ("xml:lang", "en"),
                ("hierarchy", "1"),
                ("last-updated-datetime", &generated),
            ],
        )?;
        x.plain("iati-identifier", &parent_id)?;
        reporting(&mut x, reporting_org, reporting_org_name)?;
        x.texts("title", &[], &a.titles)?;
        let summary = if a.summary.is_empty() {
            format!("Signed in {} on {}", a.signed_in, a.signed_on)
        } else {
            a.summary.clone()
        };
        x.text("description", &[("type", "1")], &summary)?;
        for p in &a.parties {
            x.text(
                "participating-org",
                &[("role", "4"), ("type", "10")],
                &p.name,
            )?;
        }
        x.empty(
            "activity-status",
            &[("code", status(a.starts_on, a.ends_on, any_open, today))],
        )?;
        x.dates(a.starts_on, a.ends_on, today)?;
        x.empty("activity-scope", &[("code", "1")])?; // global: between countries
        let countries: std::collections::BTreeSet<&str> =
            a.parties.iter().map(|p| p.country.as_str()).collect();
        let share = format!("{:.2}", 100.0 / countries.len().max(1) as f64);
        let last_share = format!(
            "{:.2}",
            100.0
                - (countries.len().saturating_sub(1)) as f64
                    * (100.0 / countries.len().max(1) as f64)
        );
        for (i, c) in countries.iter().enumerate() {
            let pct = if i + 1 == countries.len() {
                &last_share
            } else {
                &share
            };
            x.empty("recipient-country", &[("code", c), ("percentage", pct)])?;
        }
        sectors(&mut x, &a.fields)?;
        for act in &f.activities {
            x.empty(
                "related-activity",
                &[("ref", &format!("{parent_id}-{}", act.id)), ("type", "2")],
            )?;
        }
        x.close("iati-activity")?;

        for act in &f.activities {
            let open = f
                .follow_ups
                .iter()
                .any(|x| x.activity_id == act.id && x.done_on.is_none());
            x.open(
                "iati-activity",
                &[
                    ("xml:lang", "en"),
                    ("hierarchy", "2"),
                    ("last-updated-datetime", &generated),
                ],
            )?;
            x.plain("iati-identifier", &format!("{parent_id}-{}", act.id))?;
            reporting(&mut x, reporting_org, reporting_org_name)?;
            x.texts("title", &[], &act.titles)?;
            x.text(
                "description",
                &[("type", "1")],
                &format!(
                    "{} — {}, {} ({})",
                    act.kind.code(),
                    act.place,
                    act.country,
                    act.starts_on
                ),
            )?;
            if !act.participants.is_empty() {
                // Target groups: who took part, by sex and office.
                x.text(
                    "description",
                    &[("type", "3")],
                    &format!(
                        "Participants: {} women, {} men ({})",
                        act.women(),
                        act.men(),
                        participants_text(act)
                    ),
                )?;
            }
            if !act.outcomes.is_empty() {
                x.text("description", &[("type", "4")], &act.outcomes)?;
            }
            for p in &a.parties {
                x.text(
                    "participating-org",
                    &[("role", "4"), ("type", "10")],
                    &p.name,
                )?;
            }
            x.empty(
                "activity-status",
                &[("code", status(act.starts_on, act.ends_on, open, today))],
            )?;
            x.dates(act.starts_on, act.ends_on, today)?;
            x.empty("recipient-country", &[("code", &act.country)])?;
            if !act.place.is_empty() {
                x.open("location", &[])?;
                x.text("name", &[], &act.place)?;
                x.close("location")?;
            }
            sectors(&mut x, &a.fields)?;
            x.empty("related-activity", &[("ref", &parent_id), ("type", "1")])?;
            x.close("iati-activity")?;
        }
    }
    x.close("iati-activities")?;
    Ok(x.w.into_inner())
}

fn reporting(x: &mut Xml, reporting_org: &str, name: &str) -> Result<(), ExportError> {
    x.text(
        "reporting-org",
        &[("ref", reporting_org), ("type", "10")],
        name,
    )
}

/// One DAC sector per distinct code, with percentages summing to 100.
fn sectors(x: &mut Xml, fields: &[String]) -> Result<(), ExportError> {
    let mut codes: Vec<&str> = fields.iter().map(|f| dac_sector(f)).collect();
    if codes.is_empty() {
        codes.push("15110");
    }
    codes.sort_unstable();
    codes.dedup();
    let n = codes.len() as u32;
    for (i, code) in codes.iter().enumerate() {
        // Whole percentages; the first takes the remainder.
        let pct = 100 / n + if i == 0 { 100 % n } else { 0 };
        x.empty(
            "sector",
            &[
                ("vocabulary", "1"),
                ("code", code),
                ("percentage", &pct.to_string()),
            ],
        )?;
    }
    Ok(())
}
