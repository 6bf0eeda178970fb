//! Typed ids: a `UserId` can never be passed where an `OfficeId` is expected.

/// The text was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a valid identifier (expected a UUID such as 0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6): {0:?}"
)]
pub struct InvalidId(pub String);

/// Declares a typed id (also for slice crates: `guichet_core::typed_id!(AgreementId);`).
#[macro_export]
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub $crate::__Uuid);

        impl $name {
            pub fn as_uuid(&self) -> $crate::__Uuid {
                self.0
            }
        }

        impl From<$crate::__Uuid> for $name {
            fn from(u: $crate::__Uuid) -> Self {
                Self(u)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::InvalidId;
            fn from_str(s: &str) -> ::std::result::Result<Self, $crate::InvalidId> {
                $crate::__Uuid::parse_str(s.trim()).map(Self).map_err(|_| $crate::InvalidId(s.chars().take(64).collect()))
            }
        }
    };
}

typed_id!(
    /// An office (one-stop counter, department, préfecture service).
    OfficeId
);
typed_id!(
    /// A local account (citizen, agent, administrator, auditor).
    UserId
);
typed_id!(
    /// A login session.
    SessionId
);
typed_id!(
    /// A procedure of the catalogue (all its versions).
    ProcedureId
);
typed_id!(
    /// A dossier (hồ sơ): one filing by a citizen or business.
    DossierId
);
typed_id!(
    /// An uploaded file.
    FileId
);
typed_id!(
    /// An issued document (receipt, refusal, result…): a signed PDF anyone can verify.
    DocumentId
);
typed_id!(
    /// A background export of dossiers.
    ExportId
);
typed_id!(
    /// A record (văn bản, pièce): a registered or captured document kept under a file plan.
    RecordId
);
typed_id!(
    /// A class of an office's file plan (danh mục hồ sơ, plan de classement).
    ClassId
);
typed_id!(
    /// An archival file (hồ sơ lưu trữ, dossier d'archives) that groups records.
    ArchiveFileId
);
typed_id!(
    /// A legal hold that blocks the destruction of records.
    HoldId
);
typed_id!(
    /// A disposition run: records due, reviewed, approved, then destroyed or kept.
    DispositionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let id: OfficeId = "0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6"
            .parse()
            .expect("valid");
        assert_eq!(id.to_string(), "0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6");
        assert!("not-a-uuid".parse::<OfficeId>().is_err());
        assert!("".parse::<UserId>().is_err());
    }
}

typed_id!(
    /// An organisation unit of an office (phòng, bureau), effective-dated.
    OrgUnitId
);
typed_id!(
    /// A job position (vị trí việc làm, emploi) in an office's catalogue.
    PositionId
);
typed_id!(
    /// A member of staff: the personnel record (hồ sơ cán bộ, dossier individuel de l'agent).
    StaffId
);
typed_id!(
    /// One effective-dated entry of a career: an assignment, a status, a pay situation, a leave…
    TermId
);
typed_id!(
    /// A monthly payroll run of an office.
    PayrollId
);
