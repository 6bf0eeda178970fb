//! Units, kinds, levels and links as stored.

use crate::{Country, UnitsError, format_date};
use serde::Serialize;
use time::Date;

/// A unit reference: country, level tag and official code, e.g. `VN-P-01` (province),
/// `VN-D-001` (district before 2025), `VN-C-00004` (commune), `FR-R-84`, `FR-D-2A`,
/// `FR-C-33063`, `FR-CD-01015` (commune déléguée), `FR-CA-…` (associée), `FR-AM-13201`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UnitRef(String);

impl UnitRef {
    /// Accepts any case and surrounding blanks; refuses anything else.
    pub fn parse(s: &str) -> Result<UnitRef, UnitsError> {
        let up = s.trim().to_ascii_uppercase();
        let bad = || UnitsError::BadRef(s.to_string());
        let mut parts = up.splitn(3, '-');
        let (Some(country), Some(tag), Some(code)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let tag_ok = match country {
            "VN" => matches!(tag, "P" | "D" | "C"),
            "FR" => matches!(tag, "R" | "D" | "C" | "CD" | "CA" | "AM"),
            _ => false,
        };
        let code_ok = !code.is_empty()
            && code.len() <= 6
            && code
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if tag_ok && code_ok {
            Ok(UnitRef(up))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn country(&self) -> Country {
        if self.0.starts_with("FR-") {
            Country::Fr
        } else {
            Country::Vn
        }
    }

    /// The official code (INSEE or Vietnamese statistical code) without the prefix.
    pub fn code(&self) -> &str {
        self.0.splitn(3, '-').nth(2).unwrap_or("")
    }
}

impl std::fmt::Display for UnitRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of one dated version of a unit: `REF@YYYY-MM-DD` (its first day in force).
pub fn version_id(unit: &UnitRef, valid_from: Date) -> String {
    format!("{unit}@{}", format_date(valid_from))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Vietnam: tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Vietnam before 1 July 2025: huyện, quận, thị xã, thành phố thuộc tỉnh.
    District,
    /// France: région (and the overseas collectivities listed with them).
    Region,
    /// France: département.
    Department,
    /// Vietnam: xã, phường, thị trấn, đặc khu; France: commune and its subdivisions.
    Commune,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Region,
        Level::Province,
        Level::Department,
        Level::District,
        Level::Commune,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Region => "region",
            Level::Department => "department",
            Level::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// The legal type of a unit; the names are the legal terms (see docs/glossary.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Tinh,
    ThanhPhoTw,
    Huyen,
    Quan,
    ThiXa,
    ThanhPhoThuocTinh,
    Xa,
    Phuong,
    ThiTran,
    DacKhu,
    Region,
    Departement,
    CollectiviteOutreMer,
    Commune,
    CommuneDeleguee,
    CommuneAssociee,
    ArrondissementMunicipal,
}

impl Kind {
    pub const ALL: [Kind; 17] = [
        Kind::Tinh,
        Kind::ThanhPhoTw,
        Kind::Huyen,
        Kind::Quan,
        Kind::ThiXa,
        Kind::ThanhPhoThuocTinh,
        Kind::Xa,
        Kind::Phuong,
        Kind::ThiTran,
        Kind::DacKhu,
        Kind::Region,
        Kind::Departement,
        Kind::CollectiviteOutreMer,
        Kind::Commune,
        Kind::CommuneDeleguee,
        Kind::CommuneAssociee,
        Kind::ArrondissementMunicipal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tinh => "tinh",
            Kind::ThanhPhoTw => "thanh_pho_tw",
            Kind::Huyen => "huyen",
            Kind::Quan => "quan",
            Kind::ThiXa => "thi_xa",
            Kind::ThanhPhoThuocTinh => "thanh_pho_thuoc_tinh",
            Kind::Xa => "xa",
            Kind::Phuong => "phuong",
            Kind::ThiTran => "thi_tran",
            Kind::DacKhu => "dac_khu",
            Kind::Region => "region",
            Kind::Departement => "departement",
            Kind::CollectiviteOutreMer => "collectivite_outre_mer",
            Kind::Commune => "commune",
            Kind::CommuneDeleguee => "commune_deleguee",
            Kind::CommuneAssociee => "commune_associee",
            Kind::ArrondissementMunicipal => "arrondissement_municipal",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The word that opens the official Vietnamese name ("Phường Ba Đình").
    pub fn vn_prefix(self) -> Option<&'static str> {
        Some(match self {
            Kind::Tinh => "Tỉnh",
            Kind::ThanhPhoTw | Kind::ThanhPhoThuocTinh => "Thành phố",
            Kind::Huyen => "Huyện",
            Kind::Quan => "Quận",
            Kind::ThiXa => "Thị xã",
            Kind::Xa => "Xã",
            Kind::Phuong => "Phường",
            Kind::ThiTran => "Thị trấn",
            Kind::DacKhu => "Đặc khu",
            _ => return None,
        })
    }
}

/// How a unit became another at a reorganisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Several units (or parts of them) formed this one.
    Merge,
    /// The unit was divided; this is one of the parts (`partial` is set).
    Split,
    Rename,
    CodeChange,
    /// Re-established unchanged under the new structure.
    Continue,
    /// Another change of attachment (a commune déléguée moving to another chef-lieu).
    Reorganise,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Merge => "merge",
            LinkKind::Split => "split",
            LinkKind::Rename => "rename",
            LinkKind::CodeChange => "code_change",
            LinkKind::Continue => "continue",
            LinkKind::Reorganise => "reorganise",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        [
            LinkKind::Merge,
            LinkKind::Split,
            LinkKind::Rename,
            LinkKind::CodeChange,
            LinkKind::Continue,
            LinkKind::Reorganise,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One dated version of a unit as stored. `valid_to` is exclusive (the first day the version
/// no longer applies); `None` means in force today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub unit_ref: String,
    pub level: String,
    pub kind: String,
    pub name: String,
    pub parent_ref: Option<String>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// The act that established this version ("" when it predates the data).
    pub start_ref: String,
    /// The act that ended it.
    pub end_ref: String,
}

/// A lineage link between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    pub from_id: String,
    pub to_id: String,
    pub kind: String,
    pub effective: Date,
    /// Only part of the old unit went into the new one.
    pub partial: bool,
    pub legal_ref: String,
}
