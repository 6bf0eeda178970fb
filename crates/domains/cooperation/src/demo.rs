//! Demo data from the seeds' news of the Vietnam–France cooperation on civil service and
//! administrative modernisation: the 2022–2025 agreement (signed in Hà Nội on 31 March 2022)
//! and the 2025–2028 administrative agreement (signed in Paris on 4 October 2024), the
//! Paris working visit of October 2024, the policy-dialogue conference of 27 November 2025,
//! the young-leaders training with Normandy University. Dates the articles do not give (the
//! training's, the follow-ups') are illustrative. The staff member Lê Thị Hoa becomes the
//! desk officer of the 2025–2028 agreement: an agent's role on that one agreement only.

use futures_util::future::BoxFuture;
use guichet_core::authz::{Grant, Role};
use guichet_web::slice::{DemoContext, SliceError};
use time::macros::date;

use crate::model::{
    ActivityKind, NewActivity, NewAgreement, NewFollowUp, Participation, Party, Texts,
};
use crate::service::Cooperation;
use crate::store::CooperationStore;

const OFFICE: &str = "HN-SONOIVU";
const ACTOR: &str = "demo";

fn texts(vi: &str, fr: &str, en: &str) -> Texts {
    [("vi", vi), ("fr", fr), ("en", en)]
        .into_iter()
        .map(|(l, t)| (l.to_owned(), t.to_owned()))
        .collect()
}

fn parties() -> Vec<Party> {
    vec![
        Party {
            name: "Bộ Nội vụ Việt Nam".into(),
            country: "VN".into(),
        },
        Party {
            name: "Ministère de la Transformation et de la Fonction publiques".into(),
            country: "FR".into(),
        },
    ]
}

fn people(rows: &[(&str, u32, u32)]) -> Vec<Participation> {
    rows.iter()
        .map(|(office, women, men)| Participation {
            office: (*office).into(),
            women: *women,
            men: *men,
        })
        .collect()
}

/// Loads the story (the app calls it once, after the built-in demo data).
pub fn load<'a>(ctx: &'a DemoContext<'a>) -> BoxFuture<'a, Result<(), SliceError>> {
    Box::pin(async move {
        let store: &dyn CooperationStore =
            guichet_store_sql::slice_store!(ctx.store, dyn CooperationStore)
                .ok_or("the demo store has no cooperation tables")?;
        let coop = Cooperation {
            store,
            identity: guichet_identity::identity_store(ctx.store)?,
            records: guichet_records::records_store(ctx.store)?,
            clock: ctx.clock,
            entropy: ctx.entropy,
        };
        let office = ctx.office(OFFICE)?;
        let fields = |list: &[&str]| list.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>();

        let first = coop
            .create_agreement(
                office,
                ACTOR,
                NewAgreement {
                    code: "VN-FR-2022-2025".into(),
                    titles: texts(
                        "Thỏa thuận hợp tác trong lĩnh vực công vụ và hiện đại hóa nền hành chính giai đoạn 2022–2025",
                        "Accord de coopération dans le domaine de la fonction publique et de la modernisation de l'administration 2022-2025",
                        "Cooperation agreement on public services and administrative modernisation 2022–2025",
                    ),
                    summary: "Signed by Minister of Home Affairs Phạm Thị Thanh Trà and the French Ambassador Nicolas Warnery. Exchange of experience on digital and e-government, the digital transformation of public administration, records and digital data, gender equality, leadership capacity, pay, training, local administrations in urban, rural and island areas, and public-service ethics.".into(),
                    parties: parties(),
                    fields: fields(&[
                        "digital_government",
                        "records_and_data",
                        "gender_equality",
                        "leadership",
                        "pay",
                        "training",
                        "local_government",
                        "public_service_ethics",
                    ]),
                    signed_on: date!(2022 - 03 - 31),
                    signed_in: "Hà Nội".into(),
                    starts_on: date!(2022 - 03 - 31),
                    ends_on: date!(2024 - 12 - 31),
                },
            )
            .await?;
        let training = coop
            .record_activity(
                &first,
                ACTOR,
                NewActivity {
                    kind: ActivityKind::TrainingCourse,
                    titles: texts(
                        "Bồi dưỡng năng lực cho cán bộ lãnh đạo trẻ của các địa phương, bộ, ngành (với Đại học Normandie)",
                        "Formation des jeunes cadres dirigeants des collectivités et des ministères (avec l'Université de Normandie)",
                        "Capacity training for young leaders of localities and ministries (with Normandy University)",
                    ),
                    starts_on: date!(2023 - 09 - 11),
                    ends_on: date!(2023 - 09 - 22),
                    place: "Caen".into(),
                    country: "FR".into(),
                    participants: people(&[("Bộ Nội vụ", 6, 4), ("Sở Nội vụ Hà Nội", 3, 2)]),
                    outcomes: "Course on public management and leadership; the trainees' reports went to the Ministry's training department.".into(),
                },
            )
            .await?;
        let visit = coop
            .record_activity(
                &first,
                ACTOR,
                NewActivity {
                    kind: ActivityKind::DelegationVisit,
                    titles: texts(
                        "Đoàn Bộ Nội vụ làm việc tại Paris nhân chuyến thăm chính thức Pháp của Tổng Bí thư, Chủ tịch nước Tô Lâm",
                        "Délégation du ministère de l'Intérieur à Paris lors de la visite officielle en France du secrétaire général et président Tô Lâm",
                        "Ministry of Home Affairs delegation in Paris during General Secretary and President Tô Lâm's official visit to France",
                    ),
                    starts_on: date!(2024 - 10 - 03),
                    ends_on: date!(2024 - 10 - 07),
                    place: "Paris".into(),
                    country: "FR".into(),
                    participants: people(&[("Bộ Nội vụ", 4, 5)]),
                    outcomes: "The ministers reviewed the cooperation of 2016–2024 (training of young officials and female staff, delegations at all levels, annual seminars) and signed the 2025–2028 administrative agreement.".into(),
                },
            )
            .await?;
        coop.add_follow_up(
            &first,
            visit.id,
            ACTOR,
            NewFollowUp {
                description: "Invite Minister Guillaume Kasbarian to visit Viet Nam and the Ministry of Home Affairs".into(),
                owner: "Vụ Hợp tác quốc tế, Bộ Nội vụ".into(),
                due_on: date!(2025 - 06 - 30),
            },
        )
        .await?;
        let _ = training;

        let second = coop
            .create_agreement(
                office,
                ACTOR,
                NewAgreement {
                    code: "VN-FR-2025-2028".into(),
                    titles: texts(
                        "Thỏa thuận hành chính về hợp tác trong lĩnh vực công vụ và hiện đại hóa hành chính giai đoạn 2025–2028",
                        "Accord administratif de coopération en matière de fonction publique et de modernisation de l'administration 2025-2028",
                        "Administrative agreement on cooperation in public services and administrative modernisation 2025–2028",
                    ),
                    summary: "Signed in Paris by Minister Phạm Thị Thanh Trà and Minister Guillaume Kasbarian. Priorities: e-government and the digital transformation of public administration; digital records and documents; gender equality and equal access to careers; local administrations for urban, rural and island areas; training by job position, e-learning and distance learning; legal frameworks for public-service ethics control.".into(),
                    parties: parties(),
                    fields: fields(&[
                        "digital_government",
                        "records_and_data",
                        "gender_equality",
                        "local_government",
                        "training",
                        "public_service_ethics",
                        "labour_and_employment",
                    ]),
                    signed_on: date!(2024 - 10 - 04),
                    signed_in: "Paris".into(),
                    starts_on: date!(2025 - 01 - 01),
                    ends_on: date!(2028 - 12 - 31),
                },
            )
            .await?;
        let dialogue = coop
            .record_activity(
                &second,
                ACTOR,
                NewActivity {
                    kind: ActivityKind::Seminar,
                    titles: texts(
                        "Hội nghị đối thoại chính sách giữa Bộ Nội vụ và các đối tác quốc tế",
                        "Conférence de dialogue politique entre le ministère de l'Intérieur et ses partenaires internationaux",
                        "Policy dialogue conference between the Ministry of Home Affairs and international partners",
                    ),
                    starts_on: date!(2025 - 11 - 27),
                    ends_on: date!(2025 - 11 - 27),
                    place: "Hà Nội".into(),
                    country: "VN".into(),
                    participants: people(&[
                        ("Bộ Nội vụ", 9, 7),
                        ("Sở Nội vụ Hà Nội", 2, 1),
                        ("Ambassade de France au Vietnam", 1, 1),
                    ]),
                    outcomes: "The Ministry presented its new remit (labour, employment and gender equality since the merger of 1 March 2025) and the two-level local government in force since 1 July 2025; it proposed cooperation on administrative reform, public personnel management, e-government, youth work, gender equality and the labour market.".into(),
                },
            )
            .await?;
        let report = coop
            .add_follow_up(
                &second,
                dialogue.id,
                ACTOR,
                NewFollowUp {
                    description: "Send the conference summary to the partners".into(),
                    owner: "Vụ Hợp tác quốc tế, Bộ Nội vụ".into(),
                    due_on: date!(2025 - 12 - 15),
                },
            )
            .await?;
        coop.complete_follow_up_on(&second, report.id, ACTOR, date!(2025 - 12 - 10))
            .await?;
        coop.add_follow_up(
            &second,
            dialogue.id,
            ACTOR,
            NewFollowUp {
                description:
                    "Prepare the French expert mission on gender equality in the civil service"
                        .into(),
                owner: "Lê Thị Hoa, Sở Nội vụ Hà Nội".into(),
                due_on: date!(2026 - 03 - 31),
            },
        )
        .await?;
        coop.record_activity(
            &second,
            ACTOR,
            NewActivity {
                kind: ActivityKind::ExpertMission,
                titles: texts(
                    "Đoàn chuyên gia Pháp về đào tạo theo vị trí việc làm và học trực tuyến",
                    "Mission d'experts français sur la formation par emploi et l'apprentissage en ligne",
                    "French expert mission on training by job position and e-learning",
                ),
                starts_on: date!(2027 - 03 - 15),
                ends_on: date!(2027 - 03 - 19),
                place: "Hà Nội".into(),
                country: "VN".into(),
                participants: Vec::new(),
                outcomes: String::new(),
            },
        )
        .await?;

        // The desk officer of the 2025–2028 agreement: an agent's role on it alone.
        let desk_officer = ctx.user("hoa.le")?;
        guichet_identity::add_grant(
            guichet_identity::identity_store(ctx.store)?,
            ctx.clock.now(),
            ACTOR,
            desk_officer.id,
            Grant {
                role: Role::Agent,
                office: Some(office.id),
                object: Some(second.id.as_uuid()),
            },
        )
        .await?;
        Ok(())
    })
}
