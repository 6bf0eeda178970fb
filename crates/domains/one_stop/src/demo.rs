//! The demo's procedures and sample dossiers: a Vietnamese civil-status extract and a
//! business-household registration in Hà Nội, a French vehicle-registration request in
//! Gironde, and an information-only procedure. Legal references are given as the demo's
//! authors read them; an office checks them before publishing its own.

use futures_util::future::BoxFuture;
use guichet_identity::IdentityStore;
use guichet_store::{Office, User};
use guichet_web::slice::{DemoContext, SliceError};
use serde_json::json;

use crate::dossier::{Actor, Desk, StepInput};
use crate::form::{Choice, Field, FieldKind, FormSchema, ShowIf, Text};
use crate::procedure::{
    DocumentForm, ProcedureBody, RequiredDocument, ServiceLevel, Services, Silence, TimeUnit,
};
use crate::state::Step;
use crate::store::DossierRecord;

/// The slice's demo loader, composed by the app: the procedures, published, and the sample
/// dossiers of Phạm Minh Thu at UBND phường Hoàn Kiếm, worked by Nguyễn Thị Lan.
pub const DEMO: guichet_web::slice::DemoFn = load_demo;

fn load_demo<'a>(ctx: &'a DemoContext<'a>) -> BoxFuture<'a, Result<(), SliceError>> {
    Box::pin(async move {
        let identity = guichet_identity::identity_store(ctx.store)?;
        load_procedures(identity, ctx.clock, ctx.entropy, ctx.offices).await?;
        load_dossiers(
            ctx,
            ctx.user("thu.pham")?,
            ctx.user("lan.nguyen")?,
            ctx.office("HN-HOANKIEM")?,
        )
        .await?;
        load_silence_story(
            ctx,
            ctx.user("marie.dupont")?,
            ctx.user("claire.martin")?,
            ctx.office("FR-PREF-33")?,
        )
        .await
    })
}

/// Marie Dupont's request to the préfecture, received ten weeks ago and never answered: the
/// deadlines pass accepts it by silence and issues the attestation of implicit acceptance.
async fn load_silence_story(
    ctx: &DemoContext<'_>,
    citizen: &User,
    agent: &User,
    office: &Office,
) -> Result<(), SliceError> {
    let store = crate::one_stop_store(ctx.store)?;
    let issuer = &ctx
        .state
        .get::<crate::OneStopState>()
        .ok_or("the one-stop slice's state is not installed")?
        .issuer;
    let versions = crate::procedure::VersionCache::default();
    let then = guichet_core::FixedClock::new(ctx.clock.now() - time::Duration::days(70));
    let back_then = Desk {
        store,
        clock: &then,
        entropy: ctx.entropy,
        units: ctx.units,
        versions: &versions,
        issuer: Some(issuer),
    };
    let p = store
        .procedure_by_code(office.id, "SVA-EXEMPLE")
        .await?
        .ok_or("demo procedure missing")?;
    let filing = back_then.filing(&p).await?;
    let answers = json!({
        "subject": "Autorisation d’installer une terrasse saisonnière devant le 12 cours de l’Intendance, Bordeaux."
    });
    let lang = guichet_core::Language::Fr;
    let (d, _) = back_then
        .file_now(citizen, &filing, &answers, None, lang)
        .await?;
    back_then
        .step(
            &Actor::user(agent),
            &d,
            d.rev,
            Step::Receive,
            StepInput::default(),
            lang,
        )
        .await?;
    let now = Desk {
        clock: ctx.clock,
        ..back_then
    };
    now.act_on_silence(office).await?;
    Ok(())
}

fn t(vi: &str, fr: &str, en: &str) -> Text {
    Text::new(vi, fr, en)
}

fn field(key: &str, kind: FieldKind, label: Text, required: bool) -> Field {
    Field {
        key: key.into(),
        kind,
        label,
        help: Text::default(),
        required,
        show_if: None,
        prefill: None,
    }
}

fn choice(value: &str, label: Text) -> Choice {
    Choice {
        value: value.into(),
        label,
    }
}

fn doc(form: DocumentForm, count: u32, name: Text) -> RequiredDocument {
    RequiredDocument { name, form, count }
}

fn scan(max_mb: u64) -> FieldKind {
    FieldKind::File {
        max_bytes: max_mb * 1024 * 1024,
        types: vec!["pdf".into(), "jpg".into(), "png".into()],
    }
}

/// Bản sao trích lục khai sinh (copy of a birth-registration extract).
pub fn birth_extract() -> ProcedureBody {
    let mut purpose = field(
        "purpose",
        FieldKind::LongText { max_len: Some(500) },
        t("Mục đích sử dụng", "Usage prévu", "What it is for"),
        false,
    );
    purpose.help = t(
        "Ví dụ: bổ sung hồ sơ nhập học.",
        "Par exemple : inscription scolaire.",
        "For example: school enrolment.",
    );
    let mut relation_other = field(
        "relation_other",
        FieldKind::ShortText { max_len: Some(100) },
        t(
            "Quan hệ khác (ghi rõ)",
            "Autre lien (préciser)",
            "Other relationship (say which)",
        ),
        true,
    );
    relation_other.show_if = Some(ShowIf {
        field: "relation".into(),
        equals: Some("other".into()),
    });
    ProcedureBody {
        silence: Default::default(),
        identification: None,
        name: t(
            "Cấp bản sao trích lục khai sinh",
            "Copie d’extrait d’acte de naissance",
            "Copy of a birth-registration extract",
        ),
        description: t(
            "Cấp bản sao trích lục khai sinh từ Cơ sở dữ liệu hộ tịch cho người đã đăng ký khai sinh tại địa phương.",
            "Délivrance d’une copie de l’extrait d’acte de naissance enregistré dans la commune (registre d’état civil vietnamien).",
            "Issues a copy of the birth-registration extract held in the civil-status register of the commune.",
        ),
        level: ServiceLevel::Full,
        legal_basis: "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP; Thông tư 281/2016/TT-BTC".into(),
        fees: t(
            "8.000 đồng/bản sao",
            "8 000 VND par copie",
            "8,000 VND per copy",
        ),
        processing_time: 1,
        time_unit: TimeUnit::WorkingDays,
        documents: vec![doc(
            DocumentForm::Copy,
            1,
            t(
                "Căn cước (CCCD) của người yêu cầu",
                "Carte d’identité (CCCD) du demandeur",
                "Identity card (CCCD) of the requester",
            ),
        )],
        result: t(
            "Bản sao trích lục khai sinh",
            "Copie d’extrait d’acte de naissance",
            "Copy of the birth-registration extract",
        ),
        form: FormSchema {
            fields: vec![
                field(
                    "s_requester",
                    FieldKind::Section,
                    t("Người yêu cầu", "Demandeur", "Requester"),
                    false,
                ),
                field(
                    "full_name",
                    FieldKind::ShortText { max_len: Some(100) },
                    t("Họ, chữ đệm, tên", "Nom et prénoms", "Full name"),
                    true,
                ),
                Field {
                    prefill: Some("cccd".into()),
                    ..field(
                        "cccd",
                        FieldKind::Identifier { id: "cccd".into() },
                        t(
                            "Số định danh cá nhân (CCCD)",
                            "Numéro d’identification (CCCD)",
                            "Personal identification number (CCCD)",
                        ),
                        true,
                    )
                },
                field(
                    "phone",
                    FieldKind::Phone,
                    t("Số điện thoại", "Téléphone", "Phone"),
                    true,
                ),
                field(
                    "email",
                    FieldKind::Email,
                    t("Thư điện tử", "Courriel", "E-mail"),
                    false,
                ),
                field(
                    "relation",
                    FieldKind::SingleChoice {
                        options: vec![
                            choice("self", t("Bản thân", "Moi-même", "Myself")),
                            choice("parent", t("Cha, mẹ", "Père ou mère", "Father or mother")),
                            choice("other", t("Khác", "Autre", "Other")),
                        ],
                    },
                    t(
                        "Quan hệ với người được cấp trích lục",
                        "Lien avec la personne concernée",
                        "Relationship to the person",
                    ),
                    true,
                ),
                relation_other,
                field(
                    "s_person",
                    FieldKind::Section,
                    t(
                        "Người được cấp trích lục",
                        "Personne concernée",
                        "Person concerned",
                    ),
                    false,
                ),
                field(
                    "person_name",
                    FieldKind::ShortText { max_len: Some(100) },
                    t("Họ, chữ đệm, tên", "Nom et prénoms", "Full name"),
                    true,
                ),
                field(
                    "birth_date",
                    FieldKind::Date { past_only: true },
                    t("Ngày sinh", "Date de naissance", "Date of birth"),
                    true,
                ),
                field(
                    "registered_at",
                    FieldKind::Address {
                        country: "vn".into(),
                    },
                    t(
                        "Nơi đã đăng ký khai sinh",
                        "Lieu d’enregistrement de la naissance",
                        "Where the birth was registered",
                    ),
                    true,
                ),
                field(
                    "copies",
                    FieldKind::Number {
                        min: Some(1.0),
                        max: Some(10.0),
                        integer: true,
                    },
                    t("Số bản sao", "Nombre de copies", "Number of copies"),
                    true,
                ),
                purpose,
                field(
                    "id_scan",
                    scan(5),
                    t(
                        "Ảnh chụp CCCD",
                        "Scan de la carte d’identité",
                        "Scan of the identity card",
                    ),
                    true,
                ),
                field(
                    "delivery",
                    FieldKind::Dropdown {
                        options: vec![
                            choice(
                                "counter",
                                t(
                                    "Nhận tại Bộ phận Một cửa",
                                    "Retrait au guichet",
                                    "Collect at the counter",
                                ),
                            ),
                            choice(
                                "post",
                                t("Qua dịch vụ bưu chính", "Par la poste", "By post"),
                            ),
                        ],
                    },
                    t(
                        "Cách nhận kết quả",
                        "Mode de remise",
                        "How to receive the result",
                    ),
                    true,
                ),
            ],
        },
    }
}

/// Đăng ký thành lập hộ kinh doanh (registration of a business household).
pub fn business_household() -> ProcedureBody {
    ProcedureBody {
        silence: Default::default(),
        identification: None,
        name: t(
            "Đăng ký thành lập hộ kinh doanh",
            "Immatriculation d’un ménage d’entreprise (hộ kinh doanh)",
            "Registration of a business household",
        ),
        description: t(
            "Đăng ký hộ kinh doanh do một cá nhân hoặc các thành viên hộ gia đình làm chủ.",
            "Immatriculation d’une activité exercée par une personne ou un ménage (forme propre au Viêt Nam).",
            "Registers a business run by one person or the members of a household (a Vietnamese legal form).",
        ),
        level: ServiceLevel::Full,
        legal_basis:
            "Luật Doanh nghiệp 2020; Nghị định 01/2021/NĐ-CP (đăng ký doanh nghiệp, hộ kinh doanh)"
                .into(),
        fees: t(
            "Theo quy định của Hội đồng nhân dân cấp tỉnh",
            "Fixés par le conseil populaire provincial",
            "Set by the provincial People’s Council",
        ),
        processing_time: 3,
        time_unit: TimeUnit::WorkingDays,
        documents: vec![
            doc(
                DocumentForm::Original,
                1,
                t(
                    "Giấy đề nghị đăng ký hộ kinh doanh",
                    "Demande d’immatriculation",
                    "Registration request form",
                ),
            ),
            doc(
                DocumentForm::Copy,
                1,
                t(
                    "Biên bản họp thành viên hộ gia đình (nếu có)",
                    "Procès-verbal de la réunion du ménage (le cas échéant)",
                    "Minutes of the household meeting (if any)",
                ),
            ),
        ],
        result: t(
            "Giấy chứng nhận đăng ký hộ kinh doanh",
            "Certificat d’immatriculation du ménage d’entreprise",
            "Business-household registration certificate",
        ),
        form: FormSchema {
            fields: vec![
                field(
                    "business_name",
                    FieldKind::ShortText { max_len: Some(120) },
                    t("Tên hộ kinh doanh", "Nom de l’entreprise", "Business name"),
                    true,
                ),
                field(
                    "activities",
                    FieldKind::LongText {
                        max_len: Some(2000),
                    },
                    t("Ngành, nghề kinh doanh", "Activités", "Business activities"),
                    true,
                ),
                field(
                    "capital",
                    FieldKind::Money {
                        currency: "VND".into(),
                    },
                    t("Vốn kinh doanh", "Capital", "Capital"),
                    true,
                ),
                field(
                    "address",
                    FieldKind::Address {
                        country: "vn".into(),
                    },
                    t(
                        "Địa điểm kinh doanh",
                        "Adresse de l’activité",
                        "Business address",
                    ),
                    true,
                ),
                field(
                    "owner_name",
                    FieldKind::ShortText { max_len: Some(100) },
                    t(
                        "Chủ hộ kinh doanh",
                        "Chef du ménage d’entreprise",
                        "Head of the business household",
                    ),
                    true,
                ),
                field(
                    "owner_cccd",
                    FieldKind::Identifier { id: "cccd".into() },
                    t(
                        "Số định danh cá nhân của chủ hộ",
                        "Numéro d’identification du chef",
                        "Head’s personal identification number",
                    ),
                    true,
                ),
                field(
                    "tax_code",
                    FieldKind::Identifier { id: "mst".into() },
                    t(
                        "Mã số thuế (nếu đã có)",
                        "Code fiscal (si déjà attribué)",
                        "Tax code (if already given)",
                    ),
                    false,
                ),
                field(
                    "household",
                    FieldKind::YesNo,
                    t(
                        "Do các thành viên hộ gia đình cùng đăng ký?",
                        "Enregistré par plusieurs membres du ménage ?",
                        "Registered by several household members?",
                    ),
                    true,
                ),
                Field {
                    show_if: Some(ShowIf {
                        field: "household".into(),
                        equals: Some("yes".into()),
                    }),
                    ..field(
                        "members",
                        FieldKind::Repeat {
                            fields: vec![
                                field(
                                    "name",
                                    FieldKind::ShortText { max_len: Some(100) },
                                    t("Họ tên thành viên", "Nom du membre", "Member’s name"),
                                    true,
                                ),
                                field(
                                    "cccd",
                                    FieldKind::Identifier { id: "cccd".into() },
                                    t(
                                        "Số định danh",
                                        "Numéro d’identification",
                                        "Identification number",
                                    ),
                                    true,
                                ),
                            ],
                            min: 1,
                            max: 10,
                        },
                        t(
                            "Thành viên hộ gia đình",
                            "Membres du ménage",
                            "Household members",
                        ),
                        false,
                    )
                },
                field(
                    "employees",
                    FieldKind::Number {
                        min: Some(0.0),
                        max: Some(500.0),
                        integer: true,
                    },
                    t("Số lao động", "Nombre de salariés", "Number of employees"),
                    true,
                ),
                field(
                    "phone",
                    FieldKind::Phone,
                    t("Số điện thoại", "Téléphone", "Phone"),
                    true,
                ),
                field(
                    "email",
                    FieldKind::Email,
                    t("Thư điện tử", "Courriel", "E-mail"),
                    false,
                ),
                field(
                    "minutes",
                    scan(10),
                    t(
                        "Biên bản họp thành viên (nếu có)",
                        "Procès-verbal (le cas échéant)",
                        "Meeting minutes (if any)",
                    ),
                    false,
                ),
            ],
        },
    }
}

/// Demande de certificat d'immatriculation (a carte grise-style request).
pub fn vehicle_registration() -> ProcedureBody {
    let mut previous = field(
        "previous_plate",
        FieldKind::ShortText { max_len: Some(12) },
        t(
            "Biển số cũ",
            "Numéro d’immatriculation actuel",
            "Current registration number",
        ),
        true,
    );
    previous.show_if = Some(ShowIf {
        field: "reason".into(),
        equals: Some("used".into()),
    });
    let mut transfer = field(
        "transfer_form",
        scan(5),
        t(
            "Giấy chuyển nhượng",
            "Certificat de cession",
            "Certificate of transfer",
        ),
        true,
    );
    transfer.show_if = Some(ShowIf {
        field: "reason".into(),
        equals: Some("used".into()),
    });
    ProcedureBody {
        silence: Default::default(),
        identification: None,
        name: t(
            "Đề nghị cấp giấy chứng nhận đăng ký xe (Pháp)",
            "Demande de certificat d’immatriculation",
            "Vehicle registration certificate request",
        ),
        description: t(
            "Thủ tục kiểu “carte grise” của Pháp: đăng ký xe mới, xe đã qua sử dụng hoặc thay đổi địa chỉ.",
            "Immatriculer un véhicule neuf ou d’occasion, ou déclarer un changement d’adresse (modèle cerfa n° 13750).",
            "Register a new or used vehicle, or report a change of address (form cerfa 13750).",
        ),
        level: ServiceLevel::Full,
        legal_basis: "Code de la route, art. R322-1 et suivants".into(),
        fees: t(
            "Thuế vùng theo công suất tính thuế của xe",
            "Taxe régionale selon la puissance fiscale, plus redevance d’acheminement",
            "Regional tax by fiscal horsepower, plus a delivery fee",
        ),
        processing_time: 10,
        time_unit: TimeUnit::WorkingDays,
        documents: vec![
            doc(
                DocumentForm::Copy,
                1,
                t("Giấy tờ tùy thân", "Pièce d’identité", "Proof of identity"),
            ),
            doc(
                DocumentForm::Copy,
                1,
                t(
                    "Giấy tờ chứng minh nơi ở",
                    "Justificatif de domicile",
                    "Proof of address",
                ),
            ),
        ],
        result: t(
            "Giấy chứng nhận đăng ký xe",
            "Certificat d’immatriculation",
            "Registration certificate",
        ),
        form: FormSchema {
            fields: vec![
                field(
                    "s_owner",
                    FieldKind::Section,
                    t("Chủ xe", "Titulaire", "Owner"),
                    false,
                ),
                Field {
                    prefill: Some("family_name".into()),
                    ..field(
                        "last_name",
                        FieldKind::ShortText { max_len: Some(80) },
                        t("Họ", "Nom", "Last name"),
                        true,
                    )
                },
                Field {
                    prefill: Some("given_name".into()),
                    ..field(
                        "first_names",
                        FieldKind::ShortText { max_len: Some(120) },
                        t("Tên", "Prénoms", "First names"),
                        true,
                    )
                },
                Field {
                    prefill: Some("birthdate".into()),
                    ..field(
                        "birth_date",
                        FieldKind::Date { past_only: true },
                        t("Ngày sinh", "Date de naissance", "Date of birth"),
                        true,
                    )
                },
                field(
                    "nir",
                    FieldKind::Identifier { id: "nir".into() },
                    t(
                        "Số an sinh xã hội (NIR)",
                        "Numéro de sécurité sociale (NIR)",
                        "Social security number (NIR)",
                    ),
                    false,
                ),
                field(
                    "address",
                    FieldKind::Address {
                        country: "fr".into(),
                    },
                    t("Địa chỉ", "Adresse", "Address"),
                    true,
                ),
                field(
                    "email",
                    FieldKind::Email,
                    t("Thư điện tử", "Courriel", "E-mail"),
                    true,
                ),
                field(
                    "phone",
                    FieldKind::Phone,
                    t("Số điện thoại", "Téléphone", "Phone"),
                    false,
                ),
                field(
                    "s_vehicle",
                    FieldKind::Section,
                    t("Xe", "Véhicule", "Vehicle"),
                    false,
                ),
                field(
                    "reason",
                    FieldKind::SingleChoice {
                        options: vec![
                            choice("new", t("Xe mới", "Véhicule neuf", "New vehicle")),
                            choice(
                                "used",
                                t("Xe đã qua sử dụng", "Véhicule d’occasion", "Used vehicle"),
                            ),
                            choice(
                                "address",
                                t(
                                    "Thay đổi địa chỉ",
                                    "Changement d’adresse",
                                    "Change of address",
                                ),
                            ),
                        ],
                    },
                    t(
                        "Lý do đề nghị",
                        "Motif de la demande",
                        "Reason for the request",
                    ),
                    true,
                ),
                field(
                    "vin",
                    FieldKind::ShortText { max_len: Some(17) },
                    t(
                        "Số khung (VIN)",
                        "Numéro d’identification du véhicule (VIN)",
                        "Vehicle identification number (VIN)",
                    ),
                    true,
                ),
                field(
                    "first_registration",
                    FieldKind::Date { past_only: true },
                    t(
                        "Ngày đăng ký lần đầu",
                        "Date de première immatriculation",
                        "Date of first registration",
                    ),
                    false,
                ),
                previous,
                transfer,
                field(
                    "proof_of_address",
                    scan(5),
                    t(
                        "Giấy tờ chứng minh nơi ở",
                        "Justificatif de domicile",
                        "Proof of address",
                    ),
                    true,
                ),
            ],
        },
    }
}

/// A préfecture's procedure under the general rule of French law: silence kept for two months
/// means acceptance (CRPA art. L231-1). A neutral example: which real procedures follow the
/// rule and which are exceptions is set per procedure by the office from the official lists.
pub fn silence_example() -> ProcedureBody {
    ProcedureBody {
        silence: Silence::Acceptance,
        identification: None,
        name: t(
            "Đề nghị cấp phép (ví dụ: im lặng là chấp thuận)",
            "Demande d’autorisation (exemple : le silence vaut acceptation)",
            "Authorisation request (example: silence means acceptance)",
        ),
        description: t(
            "Nếu quá hai tháng kể từ ngày tiếp nhận mà cơ quan chưa trả lời, yêu cầu được coi là chấp thuận.",
            "Sans réponse de la préfecture deux mois après la réception de la demande, celle-ci est acceptée.",
            "Without an answer from the préfecture two months after the request was received, it is accepted.",
        ),
        level: ServiceLevel::Full,
        legal_basis:
            "Code des relations entre le public et l’administration, art. L231-1 et L232-3".into(),
        fees: t("Miễn phí", "Gratuit", "Free"),
        processing_time: 2,
        time_unit: TimeUnit::CalendarMonths,
        documents: Vec::new(),
        result: t("Giấy phép", "Autorisation", "Authorisation"),
        form: FormSchema {
            fields: vec![field(
                "subject",
                FieldKind::LongText {
                    max_len: Some(2000),
                },
                t(
                    "Nội dung đề nghị",
                    "Objet de la demande",
                    "What you ask for",
                ),
                true,
            )],
        },
    }
}

/// Information only: filed at the counter.
pub fn civil_servant_exam_info() -> ProcedureBody {
    ProcedureBody {
        silence: Default::default(),
        identification: None,
        name: t(
            "Đăng ký dự thi tuyển công chức",
            "Inscription au concours de la fonction publique (Hà Nội)",
            "Registration for the civil-service entrance exam",
        ),
        description: t(
            "Thông tin về thi tuyển công chức; hồ sơ nộp trực tiếp theo thông báo tuyển dụng.",
            "Informations sur le concours ; le dossier se dépose selon l’avis de recrutement.",
            "Information about the entrance exam; files are handed in as the recruitment notice says.",
        ),
        level: ServiceLevel::Information,
        legal_basis: "Luật Cán bộ, công chức; Nghị định 138/2020/NĐ-CP".into(),
        fees: t(
            "Theo thông báo tuyển dụng",
            "Selon l’avis de recrutement",
            "As the recruitment notice says",
        ),
        processing_time: 30,
        time_unit: TimeUnit::WorkingDays,
        documents: vec![doc(
            DocumentForm::Original,
            1,
            t(
                "Phiếu đăng ký dự tuyển",
                "Formulaire d’inscription",
                "Registration form",
            ),
        )],
        result: t("Thông báo kết quả", "Avis de résultats", "Results notice"),
        form: FormSchema::default(),
    }
}

/// (office code, procedure code, topic, body)
pub fn procedures() -> Vec<(&'static str, &'static str, &'static str, ProcedureBody)> {
    vec![
        (
            "HN-HOANKIEM",
            "HT-TRICHLUC-KS",
            "civil_status",
            birth_extract(),
        ),
        (
            "HN-HOANKIEM",
            "HKD-DANGKY",
            "business",
            business_household(),
        ),
        (
            "FR-PREF-33",
            "CERFA-13750",
            "vehicles",
            vehicle_registration(),
        ),
        ("FR-PREF-33", "SVA-EXEMPLE", "other", silence_example()),
        (
            "HN-SONOIVU",
            "CC-THITUYEN",
            "other",
            civil_servant_exam_info(),
        ),
    ]
}

/// Creates and publishes the demo procedures.
pub async fn load_procedures(
    store: &dyn IdentityStore,
    clock: &dyn guichet_core::Clock,
    entropy: &dyn guichet_core::Entropy,
    offices: &[Office],
) -> Result<(), SliceError> {
    let store = crate::one_stop_store(store)?;
    let services = Services {
        store,
        clock,
        entropy,
    };
    for (office, code, topic, body) in procedures() {
        let office = offices
            .iter()
            .find(|o| o.code == office)
            .ok_or_else(|| format!("no office {office}"))?;
        let p = services.create("demo", office, code, topic, body).await?;
        services.publish("demo", office, &p).await?;
    }
    Ok(())
}

/// Sample answers for the birth-extract procedure (valid against its form).
pub fn birth_extract_answers(file: serde_json::Value) -> serde_json::Value {
    json!({
        "full_name": "Phạm Minh Thu",
        "cccd": "001190012345",
        "phone": "0912 345 678",
        "email": "thu.pham@demo.guichet.invalid",
        "relation": "self",
        "person_name": "Phạm Minh Thu",
        "birth_date": "1990-04-12",
        "registered_at": {"unit": "VN-C-00004", "street": ""},
        "copies": "2",
        "purpose": "Bổ sung hồ sơ xin việc",
        "id_scan": file,
        "delivery": "counter"
    })
}

/// A few dossiers in different states, so the agents' queue is not empty.
async fn load_dossiers(
    ctx: &DemoContext<'_>,
    citizen: &User,
    agent: &User,
    office: &Office,
) -> Result<(), SliceError> {
    let (store, clock, entropy) = (crate::one_stop_store(ctx.store)?, ctx.clock, ctx.entropy);
    let units = ctx.units;
    let files = ctx.files;
    let versions = crate::procedure::VersionCache::default();
    let issuer = &ctx
        .state
        .get::<crate::OneStopState>()
        .ok_or("the one-stop slice's state is not installed")?
        .issuer;
    let desk = Desk {
        store,
        clock,
        entropy,
        units,
        versions: &versions,
        issuer: Some(issuer),
    };
    let p = store
        .procedure_by_code(office.id, "HT-TRICHLUC-KS")
        .await?
        .ok_or("demo procedure missing")?;
    let filing = desk.filing(&p).await?;
    let lang = guichet_core::Language::Vi;
    let agent_actor = Actor::user(agent);
    for step in 0..8 {
        let types = ["pdf".to_owned()];
        let rules = crate::files::FileRules {
            types: &types,
            max_bytes: 5 * 1024 * 1024,
        };
        let content = bytes::Bytes::from_static(b"%PDF-1.4\n% demo scan of an identity card\n");
        let actor = format!("user:{}", citizen.id);
        let record = crate::upload(
            files,
            crate::one_stop_store(store)?,
            clock,
            entropy,
            &actor,
            "cccd.pdf",
            content,
            &rules,
            Some(citizen.id),
        )
        .await?;
        let answers = birth_extract_answers(
            json!({ "file": record.id, "name": record.name, "size": record.size, "sha256": record.sha256 }),
        );
        let (mut d, _) = desk
            .file_now(citizen, &filing, &answers, None, lang)
            .await?;
        // Each sample dossier stops at a different point, so that every document guichet
        // issues exists in the demo: 0 submitted; 1 received (receipt); 2 correction requested
        // (supplement request); 3 approved (result, control sheet); 4 rejected (refusal,
        // control sheet); 5 handed over (handover log); 6 postponed (apology letter); 7 closed.
        let go = |d: DossierRecord, s: Step, reason: &str| {
            let input = StepInput {
                reason: reason.into(),
                ..StepInput::default()
            };
            let desk = &desk;
            let agent_actor = &agent_actor;
            async move { desk.step(agent_actor, &d, d.rev, s, input, lang).await }
        };
        if step >= 1 {
            d = go(d, Step::Receive, "").await?;
        }
        match step {
            2 => {
                go(
                    d,
                    Step::RequestCorrection,
                    "Ảnh CCCD bị mờ, đề nghị chụp lại mặt trước.",
                )
                .await?;
            }
            3 => {
                go(d, Step::Approve, "").await?;
            }
            4 => {
                go(
                    d,
                    Step::Reject,
                    "Người yêu cầu không thuộc diện được cấp bản sao trích lục.",
                )
                .await?;
            }
            5 => {
                let d = go(d, Step::Approve, "").await?;
                go(d, Step::HandOver, "").await?;
            }
            6 => {
                let due = d.due_date.unwrap_or(time::macros::date!(2026 - 01 - 01));
                desk.postpone(
                    &agent_actor,
                    &d,
                    d.rev,
                    due.saturating_add(time::Duration::days(7)),
                    "Cần xác minh thông tin với cơ quan đăng ký hộ tịch nơi sinh.",
                )
                .await?;
            }
            7 => {
                go(d, Step::Close, "Người yêu cầu đề nghị dừng giải quyết.").await?;
            }
            _ => {}
        }
    }
    // A walk-in at the counter: Nguyễn Văn An registers his business household with the
    // agent, who checked his CCCD at the desk; received at once, the receipt printed.
    let household = store
        .procedure_by_code(office.id, "HKD-DANGKY")
        .await?
        .ok_or("demo procedure missing")?;
    let household = desk.published(office.clone(), &household).await?;
    let walk_in = crate::counter::IntakeInput {
        channel: "counter".into(),
        applicant_name: "Nguyễn Văn An".into(),
        id_kind: "cccd".into(),
        id_number: "001190012345".into(),
        identity_checked: true,
        email: String::new(),
        phone: "0912 345 678".into(),
    };
    desk.file_at_counter(agent, &household, &walk_in, &household_answers(), lang)
        .await?;
    Ok(())
}

/// Sample answers for the business-household procedure (valid against its form).
pub fn household_answers() -> serde_json::Value {
    json!({
        "business_name": "Hộ kinh doanh Bún chả Hàng Mành",
        "activities": "Dịch vụ ăn uống (bún chả).",
        "capital": "150.000.000",
        "address": {"unit": "VN-C-00004", "street": "5 Hàng Mành"},
        "owner_name": "Nguyễn Văn An",
        "owner_cccd": "001190012345",
        "household": "no",
        "employees": "2",
        "phone": "0912 345 678",
    })
}
