//! Demo civil-service data: the Sở Nội vụ of Hà Nội (a Vietnamese department, which took over
//! labour and employment in 2025) and the Préfecture de la Gironde (a French service), each
//! with an effective-dated organisation chart, a job-position catalogue with planned posts,
//! staff with careers and pay situations, a locked payroll for October 2026 and a computed,
//! unlocked one for November 2026 (with a step raise, so the month-to-month comparison shows
//! something). Some staff are linked to demo accounts, who then see their own record.
//!
//! Leadership allowance coefficients, bonuses and position amounts here are demonstration
//! inputs, not statements of any office's real pay.

use crate::service::{Hr, NewPerson, NewPosition, NewTerm, NewUnit};
use futures_util::future::BoxFuture;
use guichet_common::Actor;
use guichet_store::{Office, User};
use serde_json::{Value, json};
use time::Date;
use time::macros::date;

use guichet_web::slice::{DemoContext, SliceError};

fn actor(u: &User) -> Actor {
    Actor::user(u)
}

/// A valid CCCD: province 001 (Hà Nội), century-and-sex digit, two-digit birth year, serial.
fn cccd(birth: Date, female: bool, serial: u32) -> String {
    let century = if birth.year() >= 2000 { 2 } else { 0 } + u32::from(female);
    format!("001{century}{:02}{serial:06}", birth.year() % 100)
}

/// A valid NIR of someone born in Gironde (33), commune 063 (Bordeaux), with its key.
fn nir(birth: Date, female: bool, order: u32) -> String {
    let first13 = format!(
        "{}{:02}{:02}33063{order:03}",
        if female { 2 } else { 1 },
        birth.year() % 100,
        u8::from(birth.month())
    );
    let key = guichet_rules::ids::nir_key(first13.as_bytes());
    format!("{first13}{key:02}")
}

struct P<'a> {
    number: &'a str,
    family: &'a str,
    given: &'a str,
    birth: Date,
    female: bool,
    education: &'a str,
    from: Date,
    unit: &'a str,
    position: &'a str,
    status: &'a str,
    pay: Value,
    user: Option<&'a User>,
}

fn person(p: &P<'_>, vn: bool, serial: u32) -> NewPerson {
    NewPerson {
        number: p.number.into(),
        family_name: p.family.into(),
        given_name: p.given.into(),
        birth_date: p.birth.to_string(),
        gender: if p.female { "f" } else { "m" }.into(),
        id_kind: if vn { "cccd" } else { "nir" }.into(),
        id_number: if vn {
            cccd(p.birth, p.female, serial)
        } else {
            nir(p.birth, p.female, serial)
        },
        email: p.user.and_then(|u| u.email.clone()).unwrap_or_default(),
        phone: String::new(),
        education: p.education.into(),
        user_id: p.user.map(|u| u.id),
        from: p.from.to_string(),
        unit_code: p.unit.into(),
        position_code: p.position.into(),
        status: p.status.into(),
        pay: Some(p.pay.clone()),
    }
}

fn unit(code: &str, name: &str, parent: Option<&str>, admin: &str, from: Date) -> NewUnit {
    NewUnit {
        code: code.into(),
        name: name.into(),
        parent_code: parent.map(Into::into),
        admin_unit_code: Some(admin.into()),
        from,
    }
}

#[allow(clippy::too_many_arguments)]
fn position(
    code: &str,
    title: &str,
    category: &str,
    unit: &str,
    planned: i64,
    competencies: &str,
    training: &str,
    pay: Option<i64>,
) -> NewPosition {
    NewPosition {
        code: code.into(),
        title: title.into(),
        category: category.into(),
        unit_code: unit.into(),
        planned_posts: planned,
        competencies: competencies.into(),
        training: training.into(),
        position_pay: pay,
    }
}

fn vn_pay(kind: &str, scale: &str, step: u32, leadership: Option<&str>, dependants: u32) -> Value {
    let mut v = json!({"staff_kind": kind, "scale": scale, "step": step, "dependants": dependants});
    if let Some(l) = leadership {
        v["leadership_coefficient"] = json!(l);
    }
    v
}

fn fr_pay(grade: &str, echelon: u32, im: u32, nbi: u32, children: u32, bonuses: &str) -> Value {
    json!({"grade": grade, "echelon": echelon, "indice_majore": im, "nbi_points": nbi, "residence_zone": 3, "children": children, "bonuses": bonuses})
}

async fn find(
    hr: &Hr<'_>,
    office: &Office,
    number: &str,
) -> Result<guichet_core::StaffId, SliceError> {
    match hr
        .store
        .staff_list(office.id)
        .await?
        .into_iter()
        .find(|s| s.number == number)
    {
        Some(s) => Ok(s.id),
        None => Err(format!("demo staff {number} missing").into()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn term(
    hr: &Hr<'_>,
    who: &Actor,
    office: &Office,
    number: &str,
    kind: &str,
    from: Date,
    unit: &str,
    position: &str,
    data: Value,
    note: &str,
) -> Result<(), SliceError> {
    let id = find(hr, office, number).await?;
    hr.add_term(
        who,
        id,
        NewTerm {
            kind: kind.into(),
            from,
            to: None,
            unit_code: unit.into(),
            position_code: position.into(),
            data,
            note: note.into(),
        },
    )
    .await?;
    Ok(())
}

/// Loads the story (the app calls it once, after the built-in demo data): the staff of Sở
/// Nội vụ Hà Nội and of the préfecture de la Gironde, with their careers and two payroll months
/// (October locked, November computed).
pub fn load<'a>(ctx: &'a DemoContext<'a>) -> BoxFuture<'a, Result<(), SliceError>> {
    Box::pin(async move {
        let hr = Hr {
            store: crate::hr_store(ctx.store)?,
            clock: ctx.clock,
            entropy: ctx.entropy,
        };
        let (vn, fr) = (ctx.office("HN-SONOIVU")?, ctx.office("FR-PREF-33")?);
        let (vn_hr, vn_staff) = (ctx.user("an.vu")?, ctx.user("hoa.le")?);
        let (fr_hr, fr_staff) = (ctx.user("julien.bernard")?, ctx.user("claire.martin")?);
        load_vn(&hr, vn, vn_hr, vn_staff).await?;
        load_fr(&hr, fr, fr_hr, fr_staff).await?;
        for (office, admin) in [(vn, vn_hr), (fr, fr_hr)] {
            let october = hr
                .compute_payroll(&actor(admin), office.id, "2026-10")
                .await?;
            hr.lock_payroll(&actor(admin), october.id).await?;
            hr.compute_payroll(&actor(admin), office.id, "2026-11")
                .await?;
        }
        Ok(())
    })
}

async fn load_vn(hr: &Hr<'_>, o: &Office, admin: &User, staff: &User) -> Result<(), SliceError> {
    let who = actor(admin);
    let founded = date!(2015 - 01 - 01);
    for u in [
        unit("GD", "Ban Giám đốc Sở", None, "01", founded),
        unit("VP", "Văn phòng Sở", Some("GD"), "01", founded),
        unit(
            "TCBC",
            "Phòng Tổ chức, biên chế và tổ chức phi chính phủ",
            Some("GD"),
            "01",
            founded,
        ),
        unit(
            "CCVC",
            "Phòng Công chức, viên chức",
            Some("GD"),
            "01",
            founded,
        ),
        unit(
            "XDCQ",
            "Phòng Xây dựng chính quyền và công tác thanh niên",
            Some("GD"),
            "01",
            founded,
        ),
        // Labour and employment came to Home Affairs with the 2025 merger of ministries.
        unit(
            "LDVL",
            "Phòng Lao động — Việc làm",
            Some("GD"),
            "01",
            date!(2025 - 03 - 01),
        ),
        // The two-level local government from 1 July 2025: the unit changes its remit.
        unit(
            "XDCQ",
            "Phòng Chính quyền địa phương (chính quyền hai cấp)",
            Some("GD"),
            "01",
            date!(2025 - 07 - 01),
        ),
    ] {
        hr.put_unit(&who, o.id, u).await?;
    }
    let comp = "Khung năng lực theo Thông tư 12/2022/TT-BNV";
    for p in [
        position(
            "GD",
            "Giám đốc Sở",
            "leadership",
            "GD",
            1,
            "Lãnh đạo, quản lý; hoạch định chính sách",
            "Cao cấp lý luận chính trị; bồi dưỡng lãnh đạo cấp sở",
            Some(36_000_000),
        ),
        position(
            "PGD",
            "Phó Giám đốc Sở",
            "leadership",
            "GD",
            3,
            "Lãnh đạo, quản lý",
            "Bồi dưỡng lãnh đạo cấp sở",
            Some(30_000_000),
        ),
        position(
            "TP",
            "Trưởng phòng",
            "leadership",
            "TCBC",
            6,
            "Quản lý phòng; tham mưu tổng hợp",
            "Bồi dưỡng lãnh đạo cấp phòng",
            Some(24_000_000),
        ),
        position(
            "PTP",
            "Phó Trưởng phòng",
            "leadership",
            "TCBC",
            6,
            "Quản lý; tham mưu",
            "Bồi dưỡng lãnh đạo cấp phòng",
            Some(20_000_000),
        ),
        position(
            "CVC-TCBC",
            "Chuyên viên chính về tổ chức, biên chế",
            "professional",
            "TCBC",
            4,
            comp,
            "Bồi dưỡng ngạch chuyên viên chính",
            Some(17_000_000),
        ),
        position(
            "CV-CCVC",
            "Chuyên viên về công chức, viên chức",
            "professional",
            "CCVC",
            5,
            comp,
            "Bồi dưỡng ngạch chuyên viên",
            Some(13_000_000),
        ),
        position(
            "CV-LDVL",
            "Chuyên viên về lao động, việc làm",
            "professional",
            "LDVL",
            4,
            comp,
            "Bồi dưỡng ngạch chuyên viên; thị trường lao động",
            Some(13_000_000),
        ),
        position(
            "KT",
            "Kế toán",
            "professional",
            "VP",
            1,
            "Kế toán hành chính sự nghiệp",
            "Bồi dưỡng kế toán viên",
            Some(12_000_000),
        ),
        position(
            "VT",
            "Văn thư",
            "support",
            "VP",
            1,
            "Công tác văn thư, lưu trữ (Nghị định 30/2020/NĐ-CP)",
            "Bồi dưỡng văn thư",
            Some(9_000_000),
        ),
    ] {
        hr.put_position(&who, o.id, p).await?;
    }
    let people = [
        P {
            number: "SNV-001",
            family: "Trần",
            given: "Đức Thắng",
            birth: date!(1970 - 02 - 14),
            female: false,
            education: "Tiến sĩ Luật",
            from: date!(2019 - 08 - 01),
            unit: "GD",
            position: "GD",
            status: "cong_chuc",
            pay: vn_pay("cong_chuc", "A3.1", 4, Some("1.00"), 2),
            user: None,
        },
        P {
            number: "SNV-002",
            family: "Nguyễn",
            given: "Văn Hùng",
            birth: date!(1974 - 09 - 02),
            female: false,
            education: "Thạc sĩ Quản lý công",
            from: date!(2016 - 03 - 01),
            unit: "TCBC",
            position: "TP",
            status: "cong_chuc",
            pay: vn_pay("cong_chuc", "A2.1", 4, Some("0.60"), 1),
            user: None,
        },
        P {
            number: "SNV-003",
            family: "Vũ",
            given: "Thị An",
            birth: date!(1981 - 05 - 19),
            female: true,
            education: "Thạc sĩ Hành chính công",
            from: date!(2019 - 01 - 01),
            unit: "TCBC",
            position: "PTP",
            status: "cong_chuc",
            pay: vn_pay("cong_chuc", "A1", 6, Some("0.40"), 2),
            user: Some(admin),
        },
        P {
            number: "SNV-004",
            family: "Lê",
            given: "Thị Hoa",
            birth: date!(1990 - 11 - 03),
            female: true,
            education: "Cử nhân Luật",
            from: date!(2015 - 09 - 01),
            unit: "CCVC",
            position: "CV-CCVC",
            status: "cong_chuc",
            pay: vn_pay("cong_chuc", "A1", 4, None, 1),
            user: Some(staff),
        },
        P {
            number: "SNV-005",
            family: "Phạm",
            given: "Quốc Bảo",
            birth: date!(1968 - 12 - 25),
            female: false,
            education: "Cử nhân Kinh tế",
            from: date!(2015 - 02 - 01),
            unit: "TCBC",
            position: "CVC-TCBC",
            status: "cong_chuc",
            pay: json!({"staff_kind": "cong_chuc", "scale": "A2.1", "step": 8, "last_step_since": "2019-01-01", "dependants": 0}),
            user: None,
        },
        P {
            number: "SNV-006",
            family: "Đỗ",
            given: "Minh Châu",
            birth: date!(1987 - 07 - 30),
            female: true,
            education: "Thạc sĩ Kinh tế lao động",
            from: date!(2025 - 03 - 01),
            unit: "LDVL",
            position: "TP",
            status: "cong_chuc",
            pay: vn_pay("cong_chuc", "A2.1", 2, Some("0.60"), 1),
            user: None,
        },
        P {
            number: "SNV-007",
            family: "Hoàng",
            given: "Văn Nam",
            birth: date!(1995 - 04 - 08),
            female: false,
            education: "Cử nhân Quản trị nhân lực",
            from: date!(2025 - 03 - 01),
            unit: "LDVL",
            position: "CV-LDVL",
            status: "vien_chuc",
            pay: vn_pay("vien_chuc", "A1", 2, None, 0),
            user: None,
        },
        P {
            number: "SNV-008",
            family: "Bùi",
            given: "Thu Trang",
            birth: date!(1992 - 03 - 12),
            female: true,
            education: "Cử nhân Kế toán",
            from: date!(2018 - 06 - 01),
            unit: "VP",
            position: "KT",
            status: "vien_chuc",
            pay: vn_pay("vien_chuc", "A0", 4, None, 2),
            user: None,
        },
        P {
            number: "SNV-009",
            family: "Ngô",
            given: "Thị Mai",
            birth: date!(1985 - 10 - 20),
            female: true,
            education: "Trung cấp Văn thư lưu trữ",
            from: date!(2015 - 01 - 01),
            unit: "VP",
            position: "VT",
            status: "hop_dong",
            pay: vn_pay("hop_dong", "B", 8, None, 1),
            user: None,
        },
        P {
            number: "SNV-010",
            family: "Đặng",
            given: "Quang Huy",
            birth: date!(1983 - 01 - 17),
            female: false,
            education: "Thạc sĩ Luật",
            from: date!(2015 - 04 - 01),
            unit: "XDCQ",
            position: "TP",
            status: "cong_chuc",
            pay: vn_pay("cong_chuc", "A2.1", 3, Some("0.60"), 2),
            user: None,
        },
        P {
            number: "SNV-011",
            family: "Trịnh",
            given: "Thanh Tâm",
            birth: date!(1998 - 08 - 05),
            female: true,
            education: "Cử nhân Hành chính học",
            from: date!(2023 - 02 - 01),
            unit: "XDCQ",
            position: "CV-CCVC",
            status: "cong_chuc",
            pay: vn_pay("cong_chuc", "A1", 1, None, 0),
            user: None,
        },
    ];
    let report = hr
        .add_people(
            &who,
            o.id,
            people
                .iter()
                .enumerate()
                .map(|(i, p)| person(p, true, 120_000 + i as u32))
                .collect(),
        )
        .await?;
    if !report.errors.is_empty() {
        return Err(format!("demo staff of {} refused: {:?}", o.code, report.errors).into());
    }
    // 1 July 2024: the head of the organisation division becomes deputy director; his deputy
    // takes over the division. "Who held TP in TCBC on 2024-05-01?" — Nguyễn Văn Hùng.
    let promotion = date!(2024 - 07 - 01);
    term(
        hr,
        &who,
        o,
        "SNV-002",
        "assignment",
        promotion,
        "GD",
        "PGD",
        Value::Null,
        "Quyết định bổ nhiệm Phó Giám đốc Sở",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-002",
        "pay",
        promotion,
        "",
        "",
        vn_pay("cong_chuc", "A2.1", 4, Some("0.80"), 1),
        "",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-003",
        "assignment",
        promotion,
        "TCBC",
        "TP",
        Value::Null,
        "Quyết định bổ nhiệm Trưởng phòng",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-003",
        "pay",
        promotion,
        "",
        "",
        vn_pay("cong_chuc", "A1", 6, Some("0.60"), 2),
        "",
    )
    .await?;
    // Regular step raises; one falls on 1 November 2026, so November differs from October.
    term(
        hr,
        &who,
        o,
        "SNV-004",
        "pay",
        date!(2024 - 09 - 01),
        "",
        "",
        vn_pay("cong_chuc", "A1", 5, None, 1),
        "Nâng bậc lương thường xuyên",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-003",
        "pay",
        date!(2026 - 11 - 01),
        "",
        "",
        vn_pay("cong_chuc", "A1", 7, Some("0.60"), 2),
        "Nâng bậc lương thường xuyên",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-004",
        "evaluation",
        date!(2025 - 12 - 15),
        "",
        "",
        Value::Null,
        "Hoàn thành tốt nhiệm vụ (năm 2025)",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-004",
        "training",
        date!(2026 - 05 - 11),
        "",
        "",
        Value::Null,
        "Bồi dưỡng ngạch chuyên viên chính (Học viện Hành chính Quốc gia)",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-010",
        "reward",
        date!(2025 - 12 - 20),
        "",
        "",
        Value::Null,
        "Bằng khen của Chủ tịch UBND Thành phố",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "SNV-011",
        "leave",
        date!(2026 - 06 - 01),
        "",
        "",
        Value::Null,
        "Nghỉ thai sản 6 tháng",
    )
    .await?;
    Ok(())
}

async fn load_fr(hr: &Hr<'_>, o: &Office, admin: &User, staff: &User) -> Result<(), SliceError> {
    let who = actor(admin);
    let from = date!(2010 - 01 - 01);
    for u in [
        unit("PREF", "Préfet de la Gironde", None, "33", from),
        unit("CAB", "Cabinet du préfet", Some("PREF"), "33", from),
        unit("SG", "Secrétariat général", Some("PREF"), "33", from),
        unit(
            "BRH",
            "Bureau des ressources humaines",
            Some("SG"),
            "33",
            from,
        ),
        unit(
            "DCL",
            "Direction de la citoyenneté et de la légalité",
            Some("SG"),
            "33",
            from,
        ),
        unit(
            "BEL",
            "Bureau des élections et de la réglementation",
            Some("DCL"),
            "33",
            from,
        ),
        // The residence-permit service moved under the citizenship directorate in 2024.
        unit(
            "SEJ",
            "Bureau du séjour des étrangers",
            Some("SG"),
            "33",
            date!(2018 - 01 - 01),
        ),
        unit(
            "SEJ",
            "Bureau du séjour des étrangers",
            Some("DCL"),
            "33",
            date!(2024 - 01 - 01),
        ),
    ] {
        hr.put_unit(&who, o.id, u).await?;
    }
    for p in [
        position(
            "SG",
            "Secrétaire général(e)",
            "leadership",
            "SG",
            1,
            "Pilotage des services",
            "Cycle supérieur du management",
            Some(650_000),
        ),
        position(
            "DIR",
            "Directeur(rice)",
            "leadership",
            "DCL",
            1,
            "Management, droit public",
            "Management d'équipe",
            Some(520_000),
        ),
        position(
            "CB",
            "Chef(fe) de bureau",
            "leadership",
            "BRH",
            4,
            "Management de proximité",
            "Prise de poste d'encadrant",
            Some(400_000),
        ),
        position(
            "ATT",
            "Attaché(e) d'administration",
            "professional",
            "DCL",
            4,
            "Expertise juridique",
            "Formation statutaire des attachés",
            Some(330_000),
        ),
        position(
            "SA",
            "Secrétaire administratif(ve)",
            "professional",
            "BEL",
            5,
            "Instruction des dossiers",
            "Réglementation électorale",
            Some(260_000),
        ),
        position(
            "AA",
            "Adjoint(e) administratif(ve) — accueil",
            "support",
            "SEJ",
            6,
            "Accueil du public, titres de séjour",
            "Accueil des publics étrangers",
            Some(220_000),
        ),
    ] {
        hr.put_position(&who, o.id, p).await?;
    }
    let people = [
        P {
            number: "PR33-101",
            family: "Lefèvre",
            given: "Anne",
            birth: date!(1972 - 06 - 11),
            female: true,
            education: "Master de droit public (IRA)",
            from: date!(2021 - 09 - 01),
            unit: "SG",
            position: "SG",
            status: "titulaire",
            pay: fr_pay("Administrateur de l'État", 5, 1027, 0, 2, "2450.00"),
            user: None,
        },
        P {
            number: "PR33-102",
            family: "Bernard",
            given: "Julien",
            birth: date!(1980 - 03 - 22),
            female: false,
            education: "Master RH",
            from: date!(2019 - 02 - 01),
            unit: "BRH",
            position: "CB",
            status: "titulaire",
            pay: fr_pay(
                "Attaché principal d'administration",
                8,
                673,
                25,
                3,
                "980.00",
            ),
            user: Some(admin),
        },
        P {
            number: "PR33-103",
            family: "Martin",
            given: "Claire",
            birth: date!(1991 - 10 - 05),
            female: true,
            education: "Licence d'administration publique",
            from: date!(2017 - 09 - 01),
            unit: "BEL",
            position: "SA",
            status: "titulaire",
            pay: fr_pay(
                "Secrétaire administratif de classe normale",
                7,
                400,
                0,
                1,
                "420.00",
            ),
            user: Some(staff),
        },
        P {
            number: "PR33-104",
            family: "Nguyen",
            given: "Thi Lan",
            birth: date!(1988 - 01 - 28),
            female: true,
            education: "Master de droit des étrangers",
            from: date!(2020 - 09 - 01),
            unit: "DCL",
            position: "ATT",
            status: "titulaire",
            pay: fr_pay("Attaché d'administration", 7, 542, 0, 2, "610.00"),
            user: None,
        },
        P {
            number: "PR33-105",
            family: "Dubois",
            given: "Karim",
            birth: date!(1976 - 12 - 03),
            female: false,
            education: "Master de droit public",
            from: date!(2016 - 01 - 01),
            unit: "DCL",
            position: "DIR",
            status: "titulaire",
            pay: fr_pay("Attaché hors classe", 4, 830, 0, 0, "1650.00"),
            user: None,
        },
        P {
            number: "PR33-106",
            family: "Moreau",
            given: "Sophie",
            birth: date!(1996 - 04 - 17),
            female: true,
            education: "Baccalauréat",
            from: date!(2022 - 03 - 01),
            unit: "SEJ",
            position: "AA",
            status: "titulaire",
            pay: fr_pay(
                "Adjoint administratif principal de 2e classe",
                3,
                368,
                15,
                0,
                "310.00",
            ),
            user: None,
        },
        P {
            number: "PR33-107",
            family: "Petit",
            given: "Lucas",
            birth: date!(2001 - 09 - 09),
            female: false,
            education: "BTS",
            from: date!(2025 - 09 - 01),
            unit: "SEJ",
            position: "AA",
            status: "contractuel",
            pay: fr_pay("Contractuel, catégorie C", 1, 361, 15, 0, "250.00"),
            user: None,
        },
        P {
            number: "PR33-108",
            family: "Garcia",
            given: "Inès",
            birth: date!(1984 - 07 - 07),
            female: true,
            education: "Licence de droit",
            from: date!(2018 - 05 - 01),
            unit: "SEJ",
            position: "SA",
            status: "titulaire",
            pay: fr_pay(
                "Secrétaire administratif de classe supérieure",
                8,
                470,
                15,
                4,
                "455.00",
            ),
            user: None,
        },
    ];
    let report = hr
        .add_people(
            &who,
            o.id,
            people
                .iter()
                .enumerate()
                .map(|(i, p)| person(p, false, 101 + i as u32))
                .collect(),
        )
        .await?;
    if !report.errors.is_empty() {
        return Err(format!("demo staff of {} refused: {:?}", o.code, report.errors).into());
    }
    // A change of échelon on 1 November 2026.
    term(
        hr,
        &who,
        o,
        "PR33-103",
        "pay",
        date!(2026 - 11 - 01),
        "",
        "",
        fr_pay(
            "Secrétaire administratif de classe normale",
            8,
            415,
            0,
            1,
            "420.00",
        ),
        "Avancement d'échelon",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "PR33-104",
        "evaluation",
        date!(2025 - 12 - 10),
        "",
        "",
        Value::Null,
        "Entretien professionnel annuel 2025",
    )
    .await?;
    term(
        hr,
        &who,
        o,
        "PR33-106",
        "training",
        date!(2026 - 03 - 16),
        "",
        "",
        Value::Null,
        "Accueil des publics en situation de handicap (RGAA)",
    )
    .await?;
    Ok(())
}
