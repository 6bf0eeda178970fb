//! Demo records: a file plan for a Vietnamese commune office and for a préfecture, incoming
//! and outgoing registers, the one-stop dossiers captured as records, an old file due for
//! disposition with a legal hold on one of its records, a disposition run proposed by the
//! records officer, approved and executed by the head of office (its destruction certificate
//! filed as a record), a file due within 30 days (the warning), and archival packages
//! exported to `data_dir/archive-exports/`.
//!
//! The retention periods here are demonstration values; each office enters its own from its
//! retention schedule (for Vietnam the sector schedules of the Ministry of Home Affairs, for
//! France the tableaux de gestion) with the reference.

use bytes::Bytes;
use futures_util::future::BoxFuture;
use guichet_one_stop::dossier::Actor;
use guichet_store::{Office, User};
use guichet_web::slice::{DemoContext, SliceError};
use time::Date;

use crate::RecordsState;
use crate::service::{PackageFormat, Records, Registration, Upload};

/// The slice's demo loader, composed by the app (after the one-stop demo, whose dossiers'
/// documents it captures).
pub const DEMO: guichet_web::slice::DemoFn = load_demo;

fn load_demo<'a>(ctx: &'a DemoContext<'a>) -> BoxFuture<'a, Result<(), SliceError>> {
    Box::pin(async move {
        load(
            ctx,
            ctx.office("HN-HOANKIEM")?,
            ctx.user("lan.nguyen")?,
            ctx.user("minh.tran")?,
            ctx.office("FR-PREF-33")?,
            ctx.user("claire.martin")?,
        )
        .await
    })
}

fn text_upload(name: &str, body: &str) -> Upload {
    Upload {
        name: name.into(),
        content_type: "text/plain; charset=utf-8".into(),
        bytes: Bytes::from(body.to_owned()),
        declared_sha256: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn registration(
    register: &str,
    doc_type: &str,
    original_ref: &str,
    title: &str,
    doc_date: Date,
    issuer: &str,
    signer: &str,
    recipients: &str,
    urgency: &str,
    file: Option<guichet_core::ArchiveFileId>,
) -> Registration {
    Registration {
        register: register.into(),
        doc_type: doc_type.into(),
        symbol: String::new(),
        original_ref: original_ref.into(),
        title: title.into(),
        doc_date: Some(doc_date),
        issuer: issuer.into(),
        signer: signer.into(),
        recipients: recipients.into(),
        urgency: urgency.into(),
        confidentiality: "normal".into(),
        file_id: file,
        content: Some(text_upload(
            &format!("{}.txt", doc_type),
            &format!("{title}\n\n{issuer}\n{signer}\n{doc_date}\n"),
        )),
        attachments: Vec::new(),
    }
}

/// Loads the demo records of `vn` (agent proposes, admin decides) and `fr`.
async fn load(
    ctx: &DemoContext<'_>,
    vn: &Office,
    vn_agent: &User,
    vn_admin: &User,
    fr: &Office,
    fr_agent: &User,
) -> Result<(), SliceError> {
    let state = ctx
        .state
        .get::<RecordsState>()
        .ok_or("the records slice's state is not installed")?;
    let store = crate::records_store(ctx.store)?;
    let index = state
        .search
        .open(store, ctx.clock, ctx.entropy, &state.archive, ctx.files)
        .await;
    let r = Records {
        store,
        clock: ctx.clock,
        entropy: ctx.entropy,
        archive: &state.archive,
        files: ctx.files,
        index,
    };
    let agent = Actor::user(vn_agent);
    let admin = Actor::user(vn_admin);
    let today = guichet_one_stop::dossier::local_time(vn.country, ctx.clock.now()).date();
    let y = |years: i32| {
        Date::from_calendar_date(today.year() - years, today.month(), today.day().min(28))
            .unwrap_or(today)
    };

    // File plan of the commune office.
    let demo_ref = "Thông tư 10/2022/TT-BNV (giá trị minh họa)";
    r.put_class(
        vn,
        &admin,
        None,
        "01.01",
        "Văn bản chỉ đạo, điều hành của UBND",
        None,
        "keep",
        "file_closed",
        demo_ref,
        false,
    )
    .await?;
    let one_stop = r
        .put_class(
            vn,
            &admin,
            None,
            "02.05",
            "Hồ sơ giải quyết thủ tục hành chính (một cửa)",
            Some(10),
            "destroy",
            "file_closed",
            demo_ref,
            true,
        )
        .await?;
    let letters = r
        .put_class(
            vn,
            &admin,
            None,
            "03.02",
            "Công văn trao đổi về nghiệp vụ",
            Some(5),
            "destroy",
            "file_closed",
            demo_ref,
            false,
        )
        .await?;
    let reports = r
        .put_class(
            vn,
            &admin,
            None,
            "04.01",
            "Báo cáo thống kê định kỳ",
            Some(5),
            "review",
            "file_closed",
            demo_ref,
            false,
        )
        .await?;
    let _ = one_stop;

    // This year's registers.
    let current = r
        .open_file(
            vn,
            &agent,
            letters.id,
            &format!("Công văn trao đổi năm {}", today.year()),
            None,
        )
        .await?;
    r.register(
        vn,
        &agent,
        registration(
            "outgoing",
            "quyet_dinh",
            "",
            "Quyết định phê duyệt kế hoạch cải cách hành chính năm 2026",
            today,
            "",
            "Trần Quang Minh",
            "Các bộ phận chuyên môn",
            "normal",
            None,
        ),
    )
    .await?;
    r.register(
        vn,
        &agent,
        registration(
            "outgoing",
            "cong_van",
            "",
            "V/v hướng dẫn tiếp nhận hồ sơ trực tuyến toàn trình",
            today,
            "",
            "Trần Quang Minh",
            "Bộ phận Một cửa",
            "khan",
            Some(current.id),
        ),
    )
    .await?;
    r.register(
        vn,
        &agent,
        registration(
            "outgoing",
            "thong_bao",
            "",
            "Thông báo lịch tiếp công dân tháng 12",
            today,
            "",
            "Trần Quang Minh",
            "Nhân dân phường",
            "normal",
            None,
        ),
    )
    .await?;
    r.register(
        vn,
        &agent,
        registration(
            "incoming",
            "cong_van",
            "245/SNV-CCHC",
            "V/v triển khai số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
            today,
            "Sở Nội vụ Thành phố Hà Nội",
            "Lê Thị Hoa",
            "UBND phường Hoàn Kiếm",
            "thuong_khan",
            Some(current.id),
        ),
    )
    .await?;
    r.register(
        vn,
        &agent,
        registration(
            "incoming",
            "giay_moi",
            "12/GM-SNV",
            "Giấy mời dự hội nghị tập huấn lưu trữ điện tử",
            today,
            "Sở Nội vụ Thành phố Hà Nội",
            "Lê Thị Hoa",
            "UBND phường Hoàn Kiếm",
            "normal",
            None,
        ),
    )
    .await?;

    // Protected documents: a "Mật" letter the clerk is cleared to read, and a "Tối mật" one
    // only the head of the office reads (the auditor, cleared for nothing, sees both withheld).
    r.register(
        vn,
        &agent,
        Registration {
            confidentiality: "mat".into(),
            ..registration(
                "incoming",
                "cong_van",
                "31/CAP-PV01",
                "V/v bảo đảm an ninh, trật tự tại trụ sở tiếp công dân dịp Tết",
                today,
                "Công an phường Hoàn Kiếm",
                "Phạm Văn Đức",
                "UBND phường Hoàn Kiếm",
                "khan",
                None,
            )
        },
    )
    .await?;
    r.register(
        vn,
        &admin,
        Registration {
            confidentiality: "toi_mat".into(),
            ..registration(
                "incoming",
                "cong_van",
                "07/UBND-TM",
                "V/v phương án phòng thủ dân sự khu vực trung tâm",
                today,
                "UBND Thành phố Hà Nội",
                "Nguyễn Văn Phong",
                "UBND phường Hoàn Kiếm",
                "thuong_khan",
                None,
            )
        },
    )
    .await?;

    // An old file of letters: closed long ago, due now; one of its letters is under a hold.
    let old = r
        .open_file(vn, &agent, letters.id, "Công văn trao đổi năm 2015", None)
        .await?;
    let mut held = None;
    for (i, title) in [
        "V/v đôn đốc nộp báo cáo cải cách hành chính quý IV",
        "V/v cử cán bộ tham gia lớp bồi dưỡng nghiệp vụ văn thư",
        "V/v rà soát hồ sơ khiếu nại đất đai tồn đọng",
    ]
    .iter()
    .enumerate()
    {
        let rec = r
            .register(
                vn,
                &agent,
                registration(
                    "outgoing",
                    "cong_van",
                    "",
                    title,
                    y(11),
                    "",
                    "Nguyễn Văn An",
                    "Phòng Tài nguyên và Môi trường",
                    "normal",
                    Some(old.id),
                ),
            )
            .await?;
        if i == 2 {
            held = Some(rec.id);
        }
    }
    r.close_file(vn, &admin, old.id, Some(y(10))).await?;
    if let Some(record) = held {
        r.place_hold(
            vn,
            &admin,
            Some(record),
            None,
            "Hồ sơ liên quan đến vụ khiếu nại đang được giải quyết",
            "Luật Khiếu nại 2011, Điều 29",
        )
        .await?;
    }
    // Reports kept for review.
    let old_reports = r
        .open_file(vn, &agent, reports.id, "Báo cáo thống kê năm 2018", None)
        .await?;
    r.register(
        vn,
        &agent,
        registration(
            "outgoing",
            "bao_cao",
            "",
            "Báo cáo thống kê số liệu hộ tịch năm 2018",
            y(8),
            "",
            "Nguyễn Văn An",
            "UBND quận",
            "normal",
            Some(old_reports.id),
        ),
    )
    .await?;
    r.close_file(vn, &admin, old_reports.id, Some(y(7))).await?;
    // A file that becomes due within 30 days: the warning.
    let soon = r
        .open_file(vn, &agent, letters.id, "Công văn trao đổi năm 2021", None)
        .await?;
    r.register(
        vn,
        &agent,
        registration(
            "incoming",
            "cong_van",
            "88/UBND-VP",
            "V/v phối hợp cập nhật cơ sở dữ liệu dân cư",
            y(6),
            "UBND quận Hoàn Kiếm",
            "Đỗ Văn Bình",
            "UBND phường Hoàn Kiếm",
            "normal",
            Some(soon.id),
        ),
    )
    .await?;
    let closing = Date::from_calendar_date(today.year() - 5, today.month(), today.day().min(28))
        .map(|d| d + time::Duration::days(20))
        .unwrap_or(today);
    r.close_file(vn, &admin, soon.id, Some(closing)).await?;

    // The one-stop dossiers become records.
    while r.capture_pending(500).await? > 0 {}
    r.warn_due(vn).await?;

    // A disposition run: proposed by the records officer, approved (the report destroyed
    // after review) and executed by the head of office; the held letter stays.
    let run = r.propose_disposition(vn, &agent, None).await?;
    let items: Vec<crate::service::DispositionItem> = serde_json::from_value(run.items.clone())?;
    let reviewed: Vec<guichet_core::RecordId> = items
        .iter()
        .filter(|i| i.action == "review")
        .map(|i| i.record)
        .collect();
    r.decide_disposition(
        vn,
        &admin,
        run.id,
        true,
        &reviewed,
        "Đã thẩm định, đồng ý hủy theo danh mục",
    )
    .await?;
    r.execute_disposition(vn, &admin, run.id).await?;

    // The préfecture: its plan, its mail registers.
    let fr_actor = Actor::user(fr_agent);
    let fr_ref = "Tableau de gestion des archives des préfectures (valeur de démonstration)";
    let courrier = r
        .put_class(
            fr,
            &fr_actor,
            None,
            "1.2",
            "Courrier arrivé et départ",
            Some(5),
            "destroy",
            "file_closed",
            fr_ref,
            false,
        )
        .await?;
    r.put_class(
        fr,
        &fr_actor,
        None,
        "3.1",
        "Demandes instruites au guichet unique",
        Some(2),
        "review",
        "file_closed",
        fr_ref,
        true,
    )
    .await?;
    r.put_class(
        fr,
        &fr_actor,
        None,
        "0.1",
        "Arrêtés préfectoraux",
        None,
        "keep",
        "file_closed",
        fr_ref,
        false,
    )
    .await?;
    let ftoday = guichet_one_stop::dossier::local_time(fr.country, ctx.clock.now()).date();
    let mail = r
        .open_file(
            fr,
            &fr_actor,
            courrier.id,
            &format!("Courrier {}", ftoday.year()),
            None,
        )
        .await?;
    r.register(
        fr,
        &fr_actor,
        registration(
            "incoming",
            "cong_van",
            "2026-1187/DGAFP",
            "Modernisation de l'action publique : coopération franco-vietnamienne 2022-2028",
            ftoday,
            "Direction générale de l'administration et de la fonction publique",
            "Sophie Leroy",
            "Préfecture de la Gironde",
            "normal",
            Some(mail.id),
        ),
    )
    .await?;
    r.register(
        fr,
        &fr_actor,
        registration(
            "outgoing",
            "quyet_dinh",
            "",
            "Arrêté portant organisation du guichet unique de la préfecture",
            ftoday,
            "",
            "Julien Bernard",
            "Services de la préfecture",
            "normal",
            None,
        ),
    )
    .await?;

    // Archival packages a reader can open.
    let out = ctx.data_dir.join("archive-exports");
    let agency = state.agency.clone();
    let bag = out.join(format!("{}-bagit", vn.code));
    if !bag.exists() {
        r.export(vn, &admin, PackageFormat::Bagit, &[], agency.clone(), &bag)
            .await?;
    }
    let seda = out.join(format!("{}-seda", fr.code));
    if !seda.exists() {
        r.export(fr, &fr_actor, PackageFormat::Seda, &[], agency, &seda)
            .await?;
    }
    Ok(())
}
